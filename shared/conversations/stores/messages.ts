import type { SqlExecutor } from "@colink/platform";
import { conversationColumn } from "./read_counts.ts";
import type {
  ConversationRef,
  MessageRecord,
  NewMessage,
  SeqWindow,
  ThreadSummary,
} from "./types.ts";

export interface MessagePageRows {
  rows: MessageRecord[];
  has_more: boolean;
}

export interface MessageStore {
  /** Writes a batch of messages (one statement); their seqs were taken under the row lock. */
  insertMany(rows: readonly NewMessage[]): Promise<MessageRecord[]>;
  get(id: string): Promise<MessageRecord | undefined>;
  /** Same as get, and keeps other writers off the row until the transaction ends. */
  getForUpdate(id: string): Promise<MessageRecord | undefined>;
  /**
   * Top-level messages of the conversation, newest first, by keyset on seq (never OFFSET):
   * the `limit` newest before `beforeSeq`, or the `limit` oldest after `afterSeq`.
   * has_more: there are more in the direction of travel.
   */
  history(conv: ConversationRef, w: SeqWindow): Promise<MessagePageRows>;
  /** A thread's replies, oldest first, by keyset on seq. */
  replies(parentId: string, w: SeqWindow): Promise<MessagePageRows>;
  edit(id: string, content: string, mentions: readonly string[], at: Date): Promise<MessageRecord>;
  /** Removes the content and stamps the deletion; undefined when it was deleted already. */
  softDelete(id: string, by: string, at: Date): Promise<MessageRecord | undefined>;
  threads(parentIds: readonly string[]): Promise<Map<string, ThreadSummary>>;
  /** Counts `n` new replies to each root (exact under concurrency: one atomic upsert). */
  addReplies(replies: readonly { parentId: string; n: number; at: Date }[]): Promise<void>;
  /** A reply was deleted: the root counts one fewer. */
  dropReply(parentId: string): Promise<void>;
  /** Locks (a time) or unlocks (null) the thread of a first message. */
  setThreadLock(id: string, at: Date | null): Promise<MessageRecord | undefined>;
}

const MSG = `id, channel_id, dm_id, user_id, parent_id, seq, content, client_msg_id, mentions,
  created_at, edited_at, deleted_at, deleted_by, thread_locked_at`;

function page(rows: MessageRecord[], limit: number, ascending: boolean, newestFirst: boolean) {
  const has_more = rows.length > limit;
  const kept = rows.slice(0, limit);
  if (ascending === newestFirst) kept.reverse();
  return { rows: kept, has_more };
}

/**
 * The keyset bounds as SQL, only those given: a prepared statement with "$n is null or seq < $n"
 * gets a generic plan that cannot use the (conversation, seq) index, and a deep page would scan
 * the whole conversation.
 */
function bounds(w: SeqWindow, first: number): { sql: string; params: number[] } {
  const parts: string[] = [];
  const params: number[] = [];
  if (w.beforeSeq !== undefined) {
    params.push(w.beforeSeq);
    parts.push(`and seq < $${first + params.length - 1}`);
  }
  if (w.afterSeq !== undefined) {
    params.push(w.afterSeq);
    parts.push(`and seq > $${first + params.length - 1}`);
  }
  return { sql: parts.join(" "), params };
}

export function sqlMessageStore(db: SqlExecutor): MessageStore {
  const one = async (sql: string, params: unknown[]) => {
    const [row] = await db.query<MessageRecord>(sql, params);
    return row;
  };
  return {
    async insertMany(rows) {
      if (!rows.length) return [];
      const cols = 10;
      const values = rows.map((_, i) =>
        `(${Array.from({ length: cols }, (_, j) => `$${i * cols + j + 1}`).join(", ")})`
      );
      const params = rows.flatMap((r) => [
        r.id,
        r.conversation.kind === "channel" ? r.conversation.id : null,
        r.conversation.kind === "dm" ? r.conversation.id : null,
        r.user_id,
        r.parent_id,
        r.seq,
        r.content,
        r.client_msg_id,
        r.mentions,
        r.created_at,
      ]);
      return await db.query<MessageRecord>(
        `insert into messages (id, channel_id, dm_id, user_id, parent_id, seq, content, client_msg_id, mentions, created_at)
         values ${values.join(", ")} returning ${MSG}`,
        params,
      );
    },
    get: (id) => one(`select ${MSG} from messages where id = $1`, [id]),
    getForUpdate: (id) => one(`select ${MSG} from messages where id = $1 for update`, [id]),
    async history(conv, w) {
      const col = conversationColumn(conv.kind);
      const ascending = w.afterSeq !== undefined && w.beforeSeq === undefined;
      const b = bounds(w, 3);
      const rows = await db.query<MessageRecord>(
        `select ${MSG} from messages
          where ${col} = $1 and parent_id is null ${b.sql}
          order by seq ${ascending ? "asc" : "desc"} limit $2`,
        [conv.id, w.limit + 1, ...b.params],
      );
      return page(rows, w.limit, ascending, true);
    },
    async replies(parentId, w) {
      const descending = w.beforeSeq !== undefined && w.afterSeq === undefined;
      const b = bounds(w, 3);
      const rows = await db.query<MessageRecord>(
        `select ${MSG} from messages where parent_id = $1 ${b.sql}
          order by seq ${descending ? "desc" : "asc"} limit $2`,
        [parentId, w.limit + 1, ...b.params],
      );
      return page(rows, w.limit, !descending, false);
    },
    async edit(id, content, mentions, at) {
      return (await one(
        `update messages set content = $2, mentions = $3, edited_at = $4 where id = $1 returning ${MSG}`,
        [id, content, mentions, at],
      ))!;
    },
    setThreadLock: (id, at) =>
      one(`update messages set thread_locked_at = $2 where id = $1 returning ${MSG}`, [id, at]),
    softDelete: (id, by, at) =>
      one(
        `update messages set content = '', mentions = '{}', deleted_at = $3, deleted_by = $2
          where id = $1 and deleted_at is null returning ${MSG}`,
        [id, by, at],
      ),
    async threads(parentIds) {
      if (!parentIds.length) return new Map();
      const rows = await db.query<ThreadSummary & { parent_message_id: string }>(
        `select parent_message_id, reply_count, last_reply_at from threads
          where parent_message_id = any($1::uuid[])`,
        [parentIds],
      );
      return new Map(rows.map((r) => [r.parent_message_id, r]));
    },
    async addReplies(replies) {
      for (const r of replies) {
        await db.query(
          `insert into threads (parent_message_id, reply_count, last_reply_at) values ($1, $2, $3)
           on conflict (parent_message_id) do update
             set reply_count = threads.reply_count + excluded.reply_count,
                 last_reply_at = greatest(threads.last_reply_at, excluded.last_reply_at)`,
          [r.parentId, r.n, r.at],
        );
      }
    },
    async dropReply(parentId) {
      await db.query(
        `update threads set reply_count = greatest(reply_count - 1, 0) where parent_message_id = $1`,
        [parentId],
      );
    },
  };
}
