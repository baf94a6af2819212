import type { KeyValue } from "@colink/platform";

/**
 * Where a browser session lives in KV (the gateway's session store) and how it is ended from
 * anywhere: the revocation marker outlives the session (a refresh already in flight cannot bring
 * it back), then the session goes. `hash` is the SHA-256 of the cookie value, which is also
 * `sessions.session_id` in PostgreSQL.
 */
export const sessionKey = (hash: string): string => `session:${hash}`;
export const sessionRevokedKey = (hash: string): string => `session:${hash}:revoked`;

export async function revokeSessionsInKv(kv: KeyValue, hashes: readonly string[]): Promise<void> {
  for (const hash of hashes) {
    await kv.set(sessionRevokedKey(hash), "1", { ttlMs: 24 * 3600_000 });
    await kv.del(sessionKey(hash));
  }
}
