import type { KeyValue, Sql } from "@colink/platform";
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
  /** Drops the cached mapping (after a profile change or deactivation). */
  forget(sub: string): Promise<void>;
}

const CACHE_TTL_MS = 5 * 60_000;

/**
 * Maps a verified identity to a CoLink user, creating the user on first sight (just-in-time
 * provisioning keyed on the token's `sub`). The sub → user id mapping is cached for 5 minutes;
 * realm roles always come from the token, so a role change in Keycloak applies at the next token.
 */
export function createPrincipalResolver(sql: Sql, kv: KeyValue): PrincipalResolver {
  async function provision(id: Identity): Promise<string> {
    const existing = await sql.query<{ id: string; deactivated_at: Date | null }>(
      "select id, deactivated_at from users where keycloak_id = $1",
      [id.sub],
    );
    if (existing[0]?.deactivated_at) {
      throw new HttpError(403, "account_deactivated", "This account has been deactivated");
    }
    if (existing[0]) {
      await sql.query(
        `update users set realm_roles = $2, updated_at = now() where id = $1 and realm_roles is distinct from $2`,
        [existing[0].id, id.realmRoles],
      );
      return existing[0].id;
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
        return row!.id;
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
      }
    }
    throw new Error(`cannot provision user for sub ${id.sub}: username ${id.username} is taken`);
  }

  return {
    async resolve(identity) {
      const key = `principal:${identity.sub}`;
      let userId = await kv.get(key);
      if (!userId) {
        userId = await provision(identity);
        await kv.set(key, userId, { ttlMs: CACHE_TTL_MS });
      }
      return {
        userId,
        sub: identity.sub,
        username: identity.username,
        realmRoles: identity.realmRoles,
      };
    },
    async forget(sub) {
      await kv.del(`principal:${sub}`);
    },
  };
}
