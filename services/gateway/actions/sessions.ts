import { type KeyValue, randomSecret, sha256Hex, type Sql } from "@colink/platform";
import { revokeSessionsInKv, sessionKey, sessionRevokedKey } from "@colink/auth";
import { type OidcClient, OidcError, type TokenSet } from "./oidc_client.ts";

/** What a browser session holds on the server. Tokens are encrypted at rest in the KV store. */
export interface Session {
  /** The opaque id in the cookie; only its hash is stored anywhere. */
  id: string;
  userId: string;
  csrfToken: string;
  accessToken: string;
  accessExpiresAt: number;
}

interface Stored {
  user_id: string;
  csrf: string;
  access: string;
  refresh: string;
  access_expires_at: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Refresh this long before the access token expires, so requests never race its expiry. */
const REFRESH_MARGIN_MS = 30_000;

export interface SessionStoreOptions {
  sql: Sql;
  kv: KeyValue;
  oidc: OidcClient;
  /** Raw 32-byte AES-GCM key. */
  encryptionKey: Uint8Array<ArrayBuffer>;
  /** Used when the IdP does not say how long the refresh token lives. */
  defaultTtlSec?: number;
}

/**
 * Server-side browser sessions (backend-for-frontend). The cookie carries only a random id; the
 * KV store keeps `session:{sha256(id)}` with the tokens AES-GCM encrypted; the `sessions` table
 * keeps the same hashed id with a hash of the refresh token (never the token), for audit and
 * revocation. Access tokens are refreshed silently, once per session even under concurrency.
 */
export interface SessionStore {
  create(
    userId: string,
    t: TokenSet,
    userAgent?: string,
  ): Promise<{ id: string; csrfToken: string; ttlSec: number }>;
  get(id: string): Promise<Session | null>;
  revoke(id: string): Promise<void>;
}

export function createSessionStore(o: SessionStoreOptions): SessionStore {
  let imported: Promise<CryptoKey> | undefined;
  const aes = () =>
    imported ??= crypto.subtle.importKey("raw", o.encryptionKey, "AES-GCM", false, [
      "encrypt",
      "decrypt",
    ]);
  // The session's hash and the field name are the AES-GCM additional data: a sealed value is
  // only ever opened as the same field of the same session, so values cannot be swapped
  // between sessions (or the access and refresh slots) by someone who can write to Redis.
  const aad = (hash: string, field: keyof Stored) => enc.encode(`${hash}:${field}`);
  const seal = async (plain: string, hash: string, field: keyof Stored) => {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: aad(hash, field) },
        await aes(),
        enc.encode(plain),
      ),
    );
    return btoa(String.fromCharCode(...iv, ...ct));
  };
  const open = async (sealed: string, hash: string, field: keyof Stored) => {
    const raw = Uint8Array.from(atob(sealed), (c) => c.charCodeAt(0));
    return dec.decode(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: raw.slice(0, 12), additionalData: aad(hash, field) },
        await aes(),
        raw.slice(12),
      ),
    );
  };
  const refreshing = new Map<string, Promise<Session | null>>();

  const isRevoked = async (hash: string) => (await o.kv.get(sessionRevokedKey(hash))) !== null;

  async function store(hash: string, userId: string, csrf: string, t: TokenSet) {
    const ttlSec = t.refresh_expires_in || o.defaultTtlSec || 1800;
    // Fields and expiry in one atomic step: a crash in between cannot leave an immortal session.
    await o.kv.hset(
      sessionKey(hash),
      {
        user_id: userId,
        csrf,
        access: await seal(t.access_token, hash, "access"),
        refresh: await seal(t.refresh_token ?? "", hash, "refresh"),
        access_expires_at: String(Date.now() + t.expires_in * 1000),
      } satisfies Stored,
      { ttlMs: ttlSec * 1000 },
    );
    return ttlSec;
  }

  async function load(id: string): Promise<(Session & { hash: string; refresh: string }) | null> {
    const hash = await sha256Hex(id);
    const [s, revoked] = await Promise.all([
      o.kv.hgetall(sessionKey(hash)) as Promise<Partial<Stored>>,
      isRevoked(hash),
    ]);
    // A refresh that raced a logout may have written the session back after it was destroyed;
    // the revocation marker outlives it and wins.
    if (revoked || !s.user_id || !s.access || !s.refresh) return null;
    try {
      return {
        id,
        hash,
        userId: s.user_id,
        csrfToken: s.csrf!,
        accessToken: await open(s.access, hash, "access"),
        refresh: await open(s.refresh, hash, "refresh"),
        accessExpiresAt: Number(s.access_expires_at),
      };
    } catch {
      return null; // sealed with another key (rotated) or for another session: not a session
    }
  }

  async function destroy(hash: string) {
    await revokeSessionsInKv(o.kv, [hash]);
    await o.sql.query(
      "update sessions set revoked_at = now() where session_id = $1 and revoked_at is null",
      [hash],
    );
  }

  /** Another replica holds the refresh lock: wait until it is done, then read its result. */
  async function awaitOtherRefresh(s: Session & { hash: string }): Promise<Session | null> {
    for (let waited = 0; waited < 5_000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
      if (!(await o.kv.get(`session:${s.hash}:refresh`))) break;
    }
    const fresh = await load(s.id);
    return fresh && fresh.accessExpiresAt > Date.now() ? fresh : null;
  }

  async function refresh(s: Session & { hash: string; refresh: string }): Promise<Session | null> {
    const lock = `session:${s.hash}:refresh`;
    // The lock holds a token of ours: if the IdP is slow and the lock expires, another replica
    // may take it, and our release must not delete *its* lock.
    const owner = randomSecret(16);
    if (!(await o.kv.set(lock, owner, { ttlMs: 10_000, onlyIfAbsent: true }))) {
      return await awaitOtherRefresh(s);
    }
    try {
      let t: TokenSet;
      try {
        t = await o.oidc.refresh(s.refresh);
      } catch (e) {
        if (e instanceof OidcError && (e.status === 400 || e.status === 401)) {
          await destroy(s.hash); // the IdP no longer honours it (logged out, revoked, expired)
          return null;
        }
        // The IdP is unreachable or failing: keep the session, it works again once the IdP is
        // back; meanwhile the current access token serves while it is still valid.
        return s.accessExpiresAt > Date.now() ? s : null;
      }
      const ttlSec = await store(s.hash, s.userId, s.csrfToken, t);
      // Logged out while the IdP answered, or while we stored: checked after the store, so no
      // logout can land unseen between check and write. Undo the store rather than leave tokens
      // that would outlive the revocation marker, and end the new IdP session.
      if (await isRevoked(s.hash)) {
        await o.kv.del(sessionKey(s.hash));
        await o.oidc.revoke(t.refresh_token ?? "").catch(() => {});
        return null;
      }
      await o.sql.query(
        `update sessions set refresh_token_hash = $2, expires_at = now() + make_interval(secs => $3),
                             last_seen_at = now() where session_id = $1`,
        [s.hash, await sha256Hex(t.refresh_token ?? ""), ttlSec],
      );
      return await load(s.id);
    } finally {
      await o.kv.delIfEquals(lock, owner);
    }
  }

  return {
    /** Starts a session for a completed login; returns the cookie value and the CSRF token. */
    async create(
      userId: string,
      t: TokenSet,
      userAgent?: string,
    ): Promise<{ id: string; csrfToken: string; ttlSec: number }> {
      const id = randomSecret(32);
      const hash = await sha256Hex(id);
      const csrf = randomSecret(24);
      const ttlSec = await store(hash, userId, csrf, t);
      await o.sql.query(
        `insert into sessions (session_id, user_id, refresh_token_hash, expires_at, user_agent)
         values ($1, $2, $3, now() + make_interval(secs => $4), $5)`,
        [
          hash,
          userId,
          await sha256Hex(t.refresh_token ?? ""),
          ttlSec,
          userAgent?.slice(0, 400) ?? null,
        ],
      );
      return { id, csrfToken: csrf, ttlSec };
    },

    /** The live session for a cookie value, its access token refreshed when close to expiry. */
    async get(id: string): Promise<Session | null> {
      const s = await load(id);
      if (!s) return null;
      if (s.accessExpiresAt - Date.now() > REFRESH_MARGIN_MS) return s;
      let pending = refreshing.get(s.hash);
      if (!pending) {
        pending = refresh(s).finally(() => refreshing.delete(s.hash));
        refreshing.set(s.hash, pending);
      }
      return await pending;
    },

    /** Logout: ends the IdP session too, then forgets ours. */
    async revoke(id: string): Promise<void> {
      const s = await load(id);
      if (s?.refresh) await o.oidc.revoke(s.refresh).catch(() => {});
      await destroy(s?.hash ?? await sha256Hex(id));
    },
  };
}
