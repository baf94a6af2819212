import type { Reaction } from "@colink/contracts";
import type { SqlExecutor } from "@colink/platform";
import type { ReactionRecord } from "./types.ts";

export interface ReactionStore {
  /** undefined when this user already reacted with this emoji (adding is idempotent). */
  add(messageId: string, userId: string, emoji: string): Promise<ReactionRecord | undefined>;
  /** false when there was nothing to remove. */
  remove(messageId: string, userId: string, emoji: string): Promise<boolean>;
  /** Whether the message has a reaction with this emoji, and how many distinct emoji it has. */
  usage(messageId: string, emoji: string): Promise<{ distinct: number; has: boolean }>;
  /** `{emoji, count, user_ids}` per message, each in the order the emoji was first used. */
  aggregate(messageIds: readonly string[]): Promise<Map<string, Reaction[]>>;
}

export function sqlReactionStore(db: SqlExecutor): ReactionStore {
  return {
    async add(messageId, userId, emoji) {
      const [row] = await db.query<ReactionRecord>(
        `insert into reactions (message_id, user_id, emoji) values ($1, $2, $3)
         on conflict do nothing returning id, message_id, user_id, emoji, created_at`,
        [messageId, userId, emoji],
      );
      return row;
    },
    async remove(messageId, userId, emoji) {
      const rows = await db.query(
        "delete from reactions where message_id = $1 and user_id = $2 and emoji = $3 returning id",
        [messageId, userId, emoji],
      );
      return rows.length > 0;
    },
    async usage(messageId, emoji) {
      const [row] = await db.query<{ distinct: number; has: boolean }>(
        `select count(distinct emoji)::int as distinct, coalesce(bool_or(emoji = $2), false) as has
           from reactions where message_id = $1`,
        [messageId, emoji],
      );
      return row!;
    },
    async aggregate(messageIds) {
      const out = new Map<string, Reaction[]>();
      if (!messageIds.length) return out;
      const rows = await db.query<{ message_id: string; emoji: string; user_ids: string[] }>(
        `select message_id, emoji, array_agg(user_id order by created_at, user_id) as user_ids
           from reactions where message_id = any($1::uuid[])
          group by message_id, emoji order by message_id, min(created_at), emoji`,
        [messageIds],
      );
      for (const r of rows) {
        const list = out.get(r.message_id) ?? [];
        list.push({ emoji: r.emoji, count: r.user_ids.length, user_ids: r.user_ids });
        out.set(r.message_id, list);
      }
      return out;
    },
  };
}
