import type { SqlExecutor } from "@colink/platform";
import { readCountColumns } from "./read_counts.ts";
import type { ConversationRef, ReadCounts } from "./types.ts";

export interface ReadStateStore {
  /**
   * Moves the member's read marker forward to `seq`; never backwards. Returns the new marker,
   * or undefined when it did not move (already further, or not a member).
   */
  advance(conv: ConversationRef, userId: string, seq: number): Promise<number | undefined>;
  /** The member's marker and unread counts; undefined when not a member. */
  counts(conv: ConversationRef, userId: string): Promise<ReadCounts | undefined>;
}

const members = (conv: ConversationRef) =>
  conv.kind === "channel"
    ? { table: "channel_members", col: "channel_id" }
    : { table: "dm_participants", col: "dm_id" };

export function sqlReadStateStore(db: SqlExecutor): ReadStateStore {
  return {
    async advance(conv, userId, seq) {
      const m = members(conv);
      const [row] = await db.query<{ last_read_seq: number }>(
        `update ${m.table} set last_read_seq = $3
          where ${m.col} = $1 and user_id = $2 and last_read_seq < $3 returning last_read_seq`,
        [conv.id, userId, seq],
      );
      return row?.last_read_seq;
    },
    async counts(conv, userId) {
      const m = members(conv);
      const [row] = await db.query<ReadCounts>(
        `select r.last_read_seq, ${
          readCountColumns(conv.kind, "$1::uuid", "$2::uuid", "r.last_read_seq")
        }
           from ${m.table} r where r.${m.col} = $1 and r.user_id = $2`,
        [conv.id, userId],
      );
      return row;
    },
  };
}
