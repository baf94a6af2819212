import type { PubSub, Sql } from "@colink/platform";
import { HttpError } from "@colink/http";
import { isUniqueViolation } from "@colink/platform";
import type { Identity } from "./verifier.ts";

/** The caller as CoLink knows it: our user id plus what the token says. */
export interface Principal {
  userId: string;
  sub: string;
  username: string;
  realmRoles: string[];
}

export interface PrincipalResolver {
  resolve(identity: Identity): Promise<Principal>;
  /**
   * Forgets a user on every instance (deactivation, ban, role change): this one at once, the
   * others as soon as the pub/sub message arrives. Call it after the change has committed.
   * Rejects when the message could not be published (retried 3 times): retry the action.
   */
  invalidate(userId: string): Promise<void>;
  /** Stops listening for invalidations. */
  close(): Promise<void>;
}

export interface PrincipalResolverOptions {
  sql: Sql;
  /** Carries invalidations between instances (Redis in production). */
  pubsub: PubSub;
  /** How long a mapping is trusted while invalidations are flowing (the seed: 5 minutes). */
  ttlMs?: number;
  /** How long while they are not (pub/sub disconnected): deactivation still lands this fast. */
  degradedTtlMs?: number;
  /** Bound on the in-process cache; the least recently used entries go first. */
  maxEntries?: number;
  now?: () => number;
  onError?: (message: string, err: unknown) => void;
}

interface Entry {
  userId: string;
  deactivated: boolean;
  /** Deactivated by a moderator's ban (told apart so the client can say so). */
  banned?: boolean;
  roles: string;
  at: number;
  /** The pub/sub generation it was read in: a reconnect since may have lost invalidations. */
  generation: number;
}

const CHANNEL = "principals:invalidate";

/**
 * Maps a verified identity to a CoLink user, creating the user on first sight (just-in-time
 * provisioning keyed on the token's `sub`). The mapping lives in a small bounded in-process
 * cache, so a cached caller costs no I/O at all, and nothing here needs Redis: with Redis down
 * callers are resolved from PostgreSQL. Deactivation reaches every instance within moments
 * through a pub/sub invalidation; while pub/sub is disconnected (messages would be lost) entries
 * are trusted only for `degradedTtlMs`. Realm roles always come from the token.
 */
export async function createPrincipalResolver(
  o: PrincipalResolverOptions,
): Promise<PrincipalResolver> {
  const { sql, pubsub } = o;
  const now = o.now ?? Date.now;
  const ttlMs = o.ttlMs ?? 5 * 60_000;
  const degradedTtlMs = o.degradedTtlMs ?? 5_000;
  const maxEntries = o.maxEntries ?? 10_000;
  const bySub = new Map<string, Entry>();
  const subOf = new Map<string, string>(); // user id → sub, to invalidate by user

  // Bumped by every invalidation: a lookup that raced one does not cache what it read.
  let invalidations = 0;
  const drop = (userId: string) => {
    invalidations++;
    const sub = subOf.get(userId);
    if (sub !== undefined) bySub.delete(sub);
    subOf.delete(userId);
  };
  const remember = (sub: string, e: Entry) => {
    bySub.delete(sub);
    bySub.set(sub, e);
    subOf.set(e.userId, sub);
    while (bySub.size > maxEntries) {
      const [oldest, old] = bySub.entries().next().value!;
      bySub.delete(oldest);
      subOf.delete(old.userId);
    }
  };

  // Subscribed before the first request is served; if Redis is down at start-up, keep trying
  // in the background (meanwhile `listening` is false and entries expire quickly).
  let unsubscribe: (() => Promise<void>) | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const subscribe = async () => {
    try {
      unsubscribe = await pubsub.subscribe(CHANNEL, drop);
    } catch (e) {
      o.onError?.("cannot subscribe to principal invalidations; retrying", e);
      if (closed) return;
      retry = setTimeout(subscribe, 2_000);
      Deno.unrefTimer(retry);
    }
  };
  await subscribe();
  const listening = () => unsubscribe !== undefined && pubsub.connected();

  /** The user row for a sub, created on first sight; realm roles synced from the token. */
  async function provision(
    id: Identity,
  ): Promise<{ userId: string; deactivated: boolean; banned?: boolean }> {
    const existing = await sql.query<
      { id: string; deactivated_at: Date | null; deactivation_reason: string | null }
    >(
      "select id, deactivated_at, deactivation_reason from users where keycloak_id = $1",
      [id.sub],
    );
    if (existing[0]) {
      const deactivated = existing[0].deactivated_at !== null;
      if (!deactivated) {
        await sql.query(
          `update users set realm_roles = $2, updated_at = now()
            where id = $1 and realm_roles is distinct from $2`,
          [existing[0].id, id.realmRoles],
        );
      }
      return {
        userId: existing[0].id,
        deactivated,
        banned: deactivated && existing[0].deactivation_reason === "banned",
      };
    }
    // A username can already belong to another account (renamed or re-created in the IdP):
    // fall back to a suffixed one rather than failing the caller's first request.
    for (
      const username of [id.username, `${id.username}-${id.sub.replace(/-/g, "").slice(0, 6)}`]
    ) {
      try {
        const [row] = await sql.query<{ id: string }>(
          `insert into users (keycloak_id, username, display_name, email, realm_roles)
           values ($1, $2, $3, $4, $5)
           on conflict (keycloak_id) do update set updated_at = users.updated_at
           returning id`,
          [id.sub, username, id.name ?? id.username, id.email ?? null, id.realmRoles],
        );
        return { userId: row!.id, deactivated: false };
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
      }
    }
    throw new Error(`cannot provision user for sub ${id.sub}: username ${id.username} is taken`);
  }

  return {
    async resolve(identity) {
      let e = bySub.get(identity.sub);
      const maxAge = listening() ? ttlMs : degradedTtlMs;
      const generation = pubsub.generation();
      const roles = identity.realmRoles.join(" ");
      // A token with other roles than the cached ones re-syncs the user row (roles follow the IdP).
      if (!e || now() - e.at >= maxAge || e.generation !== generation || e.roles !== roles) {
        const before = invalidations;
        e = { ...await provision(identity), roles, at: now(), generation };
        if (invalidations === before) remember(identity.sub, e);
      }
      if (e.banned) throw new HttpError(403, "account_banned", "This account has been banned");
      if (e.deactivated) {
        throw new HttpError(403, "account_deactivated", "This account has been deactivated");
      }
      return {
        userId: e.userId,
        sub: identity.sub,
        username: identity.username,
        realmRoles: identity.realmRoles,
      };
    },
    async invalidate(userId) {
      drop(userId);
      // The other instances hold the user for up to ttlMs unless this message reaches them: try
      // a few times, then fail loudly so the caller (an admin action) can be retried.
      for (let attempt = 1;; attempt++) {
        try {
          return await pubsub.publish(CHANNEL, userId);
        } catch (e) {
          o.onError?.("cannot publish a principal invalidation", e);
          if (attempt === 3) throw e;
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      await unsubscribe?.().catch(() => {});
    },
  };
}
