import type { SqlExecutor } from "@colink/platform";
import type { ConversationRef } from "./types.ts";

export interface SequenceStore {
  /**
   * Locks the conversation's row until the transaction ends and reads its newest position and
   * whether it is archived; undefined if it is gone. Positions taken under this lock (see
   * `Positions`) are gap-free and in commit order: a writer that locks after another can only
   * read the position the other one committed. Lock before writing the outbox rows.
   */
  lock(conv: ConversationRef): Promise<{ last: number; archived: boolean } | undefined>;
  /** Stores the newest position taken (under the lock). */
  set(conv: ConversationRef, last: number): Promise<void>;
  /** The newest position (no lock). */
  current(conv: ConversationRef): Promise<number | undefined>;
}

const table = (conv: ConversationRef) => conv.kind === "channel" ? "channels" : "direct_messages";

export function sqlSequenceStore(db: SqlExecutor): SequenceStore {
  return {
    async lock(conv) {
      const archived = conv.kind === "channel" ? "archived_at is not null" : "false";
      const [row] = await db.query<{ last: number; archived: boolean }>(
        `select last_seq as last, ${archived} as archived from ${
          table(conv)
        } where id = $1 for update`,
        [conv.id],
      );
      return row;
    },
    async set(conv, last) {
      await db.query(`update ${table(conv)} set last_seq = $2 where id = $1`, [conv.id, last]);
    },
    async current(conv) {
      const [row] = await db.query<{ last_seq: number }>(
        `select last_seq from ${table(conv)} where id = $1`,
        [conv.id],
      );
      return row?.last_seq;
    },
  };
}
