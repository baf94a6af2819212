import type { SqlExecutor } from "@colink/platform";

export interface StoredResponse {
  request_hash: string;
  status_code: number;
  response: unknown;
  message_id: string | null;
}

export interface IdempotencyStore {
  /**
   * Reserves the caller's key for this request, in the caller's transaction. "claimed": go
   * ahead (and `complete` it in the same transaction). Otherwise the response stored by the
   * request that claimed it first. A concurrent claim of the same key waits on the key's row
   * until that transaction ends, so exactly one request does the work. Keys created before
   * `expiredBefore` count as absent.
   */
  claim(
    userId: string,
    key: string,
    requestHash: string,
    now: Date,
    expiredBefore: Date,
  ): Promise<"claimed" | StoredResponse>;
  complete(
    userId: string,
    key: string,
    r: { message_id: string; status_code: number; response: unknown },
  ): Promise<void>;
  /** Gives up a claim made in this transaction whose request failed (a retry may go ahead). */
  release(userId: string, key: string): Promise<void>;
  /** Deletes keys created before `cutoff`; returns how many. */
  prune(cutoff: Date): Promise<number>;
}

export function sqlIdempotencyStore(db: SqlExecutor): IdempotencyStore {
  return {
    async claim(userId, key, requestHash, now, expiredBefore) {
      const claimed = await db.query(
        `insert into idempotency_keys (user_id, key, request_hash, status_code, response, created_at)
         values ($1, $2, $3, 0, 'null'::jsonb, $4)
         on conflict (user_id, key) do update
           set request_hash = excluded.request_hash, status_code = 0, response = 'null'::jsonb,
               message_id = null, created_at = excluded.created_at
           where idempotency_keys.created_at < $5
         returning key`,
        [userId, key, requestHash, now, expiredBefore],
      );
      if (claimed.length) return "claimed";
      const [stored] = await db.query<StoredResponse>(
        `select request_hash, status_code, response, message_id from idempotency_keys
          where user_id = $1 and key = $2`,
        [userId, key],
      );
      return stored!;
    },
    async complete(userId, key, r) {
      await db.query(
        `update idempotency_keys set message_id = $3, status_code = $4, response = $5::jsonb
          where user_id = $1 and key = $2`,
        [userId, key, r.message_id, r.status_code, JSON.stringify(r.response)],
      );
    },
    async release(userId, key) {
      await db.query("delete from idempotency_keys where user_id = $1 and key = $2", [userId, key]);
    },
    async prune(cutoff) {
      const rows = await db.query(
        "delete from idempotency_keys where created_at < $1 returning key",
        [
          cutoff,
        ],
      );
      return rows.length;
    },
  };
}
