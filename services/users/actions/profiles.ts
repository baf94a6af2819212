import { makeEvent, type SetStatus, type UpdateProfile, type UserProfile } from "@colink/contracts";
import { notFound } from "@colink/http";
import {
  appendToOutbox,
  type JsonCache,
  jsonCache,
  type KeyValue,
  type Sql,
  type SqlExecutor,
} from "@colink/platform";
import type { z } from "@hono/zod-openapi";

/** Profiles are read on every message render; the seed caches them for 5 minutes. */
const PROFILE_TTL_MS = 5 * 60_000;

interface ProfileRow {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  avatar_url: string | null;
  status_text: string | null;
  status_emoji: string | null;
  status_expiry: Date | null;
}

const SELECT = `select u.id, u.username, u.display_name, u.email, u.avatar_url,
                       s.status_text, s.status_emoji, s.status_expiry
                  from users u left join user_status s on s.user_id = u.id`;

/** An expired status reads as no status; nothing has to sweep it. */
function toProfile(r: ProfileRow, now = new Date()): UserProfile {
  const live = r.status_text !== null && (r.status_expiry === null || r.status_expiry > now) &&
    (r.status_text !== "" || r.status_emoji !== "");
  return {
    id: r.id,
    username: r.username,
    display_name: r.display_name,
    email: r.email,
    avatar_url: r.avatar_url,
    status: live
      ? {
        status_text: r.status_text!,
        status_emoji: r.status_emoji ?? "",
        status_expiry: r.status_expiry?.toISOString() ?? null,
      }
      : null,
  };
}

export interface ProfileDeps {
  sql: Sql;
  cache: JsonCache<UserProfile>;
  /** Wakes the outbox relay after a `user.updated` was committed. */
  eventsCommitted?: () => void;
}

/** The profile cache layer (Redis, or memory in embedded mode). */
export const createProfileCache = (kv: KeyValue): JsonCache<UserProfile> =>
  jsonCache(kv, { prefix: "profile:", ttlMs: PROFILE_TTL_MS });

/** Cached for 5 minutes; with Redis down, read from PostgreSQL every time. */
export async function getProfile(d: ProfileDeps, userId: string): Promise<UserProfile> {
  const p = await d.cache.get(userId, async () => {
    const [row] = await d.sql.query<ProfileRow>(
      `${SELECT} where u.id = $1 and u.deactivated_at is null`,
      [userId],
    );
    if (!row) throw notFound("user_not_found", "No such user");
    return toProfile(row);
  });
  // The cache may outlive a status expiry; re-apply it on read.
  if (p.status?.status_expiry && new Date(p.status.status_expiry) <= new Date()) p.status = null;
  return p;
}

export async function updateProfile(
  d: ProfileDeps,
  userId: string,
  patch: z.infer<typeof UpdateProfile>,
): Promise<UserProfile> {
  return await changeAndAnnounce(d, userId, (tx) =>
    tx.query(
      `update users set display_name = coalesce($2, display_name),
                        avatar_url = case when $3::boolean then $4 else avatar_url end,
                        updated_at = now()
        where id = $1`,
      [
        userId,
        patch.display_name ?? null,
        patch.avatar_url !== undefined,
        patch.avatar_url ?? null,
      ],
    ));
}

export async function setStatus(
  d: ProfileDeps,
  userId: string,
  s: z.infer<typeof SetStatus>,
): Promise<UserProfile> {
  return await changeAndAnnounce(d, userId, (tx) =>
    tx.query(
      `insert into user_status (user_id, status_text, status_emoji, status_expiry, updated_at)
       values ($1, $2, $3, $4, now())
       on conflict (user_id) do update set status_text = excluded.status_text,
         status_emoji = excluded.status_emoji, status_expiry = excluded.status_expiry, updated_at = now()`,
      [userId, s.status_text, s.status_emoji, s.status_expiry],
    ));
}

/**
 * A profile change and its `user.updated` event in one transaction (the user's other devices
 * learn it over the socket), then the cached profile is forgotten.
 */
async function changeAndAnnounce(
  d: ProfileDeps,
  userId: string,
  change: (tx: SqlExecutor) => Promise<unknown>,
): Promise<UserProfile> {
  await d.sql.transaction(async (tx) => {
    await change(tx);
    const [row] = await tx.query<ProfileRow>(`${SELECT} where u.id = $1`, [userId]);
    const p = toProfile(row!);
    await appendToOutbox(tx, [
      makeEvent(
        "user.updated",
        userId,
        {
          user_id: userId,
          username: p.username,
          display_name: p.display_name,
          avatar_url: p.avatar_url,
          status: p.status,
          timestamp: new Date().toISOString(),
        },
        new Date(),
        userId,
      ),
    ]);
  });
  d.eventsCommitted?.();
  await d.cache.forget(userId);
  return await getProfile(d, userId);
}

/** Who is looking at the directory: their id and realm roles. */
export interface Viewer {
  userId: string;
  realmRoles: string[];
}

/**
 * The directory rule: people see themselves and the people they share a workspace with; guests
 * (workspace role guest, or a realm guest) only the people they share a conversation with;
 * realm admins everyone. `$1` is the viewer's id, `$2` whether they see everyone, `$3` whether
 * they are a realm guest.
 */
const VISIBLE = `(u.id = $1 or $2
  or exists (select 1 from workspace_members a join workspace_members b on b.workspace_id = a.workspace_id
              where a.user_id = $1 and b.user_id = u.id and a.role <> 'guest' and not $3)
  or exists (select 1 from channel_members a join channel_members b on b.channel_id = a.channel_id
              where a.user_id = $1 and b.user_id = u.id)
  or exists (select 1 from dm_participants a join dm_participants b on b.dm_id = a.dm_id
              where a.user_id = $1 and b.user_id = u.id))`;

const viewerParams = (v: Viewer) => [
  v.userId,
  v.realmRoles.includes("admin"),
  v.realmRoles.includes("guest") && !v.realmRoles.includes("member"),
];

/** Someone else's profile, if the directory rule lets the viewer see them (else 404). */
export async function getVisibleProfile(
  d: ProfileDeps,
  viewer: Viewer,
  userId: string,
): Promise<UserProfile> {
  if (userId !== viewer.userId) {
    const [row] = await d.sql.query(
      `select 1 from users u where u.id = $4 and ${VISIBLE}`,
      [...viewerParams(viewer), userId],
    );
    if (!row) throw notFound("user_not_found", "No such user");
  }
  return await getProfile(d, userId);
}

/**
 * Directory search among the people the viewer may see: prefix matches on username and display
 * name first, then substring.
 */
export async function searchUsers(
  d: ProfileDeps,
  viewer: Viewer,
  q: string,
  limit: number,
): Promise<UserProfile[]> {
  const pattern = q.replace(/[\\%_]/g, (ch) => `\\${ch}`).toLowerCase();
  const rows = await d.sql.query<ProfileRow>(
    `${SELECT}
      where u.deactivated_at is null and ${VISIBLE}
        and ($4 = '' or lower(u.username) like '%' || $4 || '%' or lower(u.display_name) like '%' || $4 || '%')
      order by (lower(u.username) like $4 || '%' or lower(u.display_name) like $4 || '%') desc, lower(u.username)
      limit $5`,
    [...viewerParams(viewer), pattern, limit],
  );
  return rows.map((r) => toProfile(r));
}
