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
  /**
   * `lock` for a batch of sends, in one round trip: also which of `authors` are members now
   * (under the lock, so a removal that committed first is seen). DMs: all their participants.
   */
  lockForSend(
    conv: ConversationRef,
    authors: readonly string[],
  ): Promise<{ last: number; archived: boolean; members: string[] } | undefined>;
  /**
   * Stores the newest position and moves each author's read marker up to their own last
   * message, in one round trip (posting reads everything before it).
   */
  finishSend(
    conv: ConversationRef,
    last: number,
    readUpTo: readonly { userId: string; seq: number }[],
  ): Promise<void>;
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
    async lockForSend(conv, authors) {
      const [row] = conv.kind === "channel"
        ? await db.query<{ last: number; archived: boolean; members: string[] }>(
          `select c.last_seq as last, c.archived_at is not null as archived,
                  array(select m.user_id from channel_members m
                         where m.channel_id = c.id and m.user_id = any($2::uuid[])) as members
             from channels c where c.id = $1 for update`,
          [conv.id, authors],
        )
        : await db.query<{ last: number; archived: boolean; members: string[] }>(
          `select d.last_seq as last, false as archived,
                  array(select p.user_id from dm_participants p where p.dm_id = d.id) as members
             from direct_messages d where d.id = $1 for update`,
          [conv.id],
        );
      return row;
    },
    async finishSend(conv, last, readUpTo) {
      const [members, col] = conv.kind === "channel"
        ? ["channel_members", "channel_id"]
        : ["dm_participants", "dm_id"];
      await db.query(
        `with seq as (update ${table(conv)} set last_seq = $2 where id = $1)
         update ${members} m set last_read_seq = greatest(m.last_read_seq, r.seq)
           from unnest($3::uuid[], $4::bigint[]) as r(user_id, seq)
          where m.${col} = $1 and m.user_id = r.user_id`,
        [conv.id, last, readUpTo.map((r) => r.userId), readUpTo.map((r) => r.seq)],
      );
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
