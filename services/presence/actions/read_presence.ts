import type { Principal } from "@colink/auth";
import { lastSeenKey, presenceKey } from "@colink/conversations";
import type { KeyValue, Sql } from "@colink/platform";

export type PresenceStatus = "online" | "away" | "offline";

/**
 * Presence of the people the caller shares a workspace with (anyone else reads as offline with
 * no last_seen: presence is not a way to probe accounts). Keys are written by the realtime
 * gateway; with Redis down everyone reads as offline.
 */
export async function readPresence(
  d: { sql: Sql; kv: KeyValue },
  p: Principal,
  userIds: readonly string[],
): Promise<Record<string, { status: PresenceStatus; last_seen: string | null }>> {
  const visible = new Set(
    (await d.sql.query<{ user_id: string }>(
      `select distinct b.user_id::text from workspace_members a
         join workspace_members b on b.workspace_id = a.workspace_id
        where a.user_id = $1 and b.user_id = any($2::uuid[])`,
      [p.userId, userIds],
    )).map((r) => r.user_id),
  );
  const out: Record<string, { status: PresenceStatus; last_seen: string | null }> = {};
  await Promise.all(userIds.map(async (id) => {
    if (!visible.has(id)) return void (out[id] = { status: "offline", last_seen: null });
    const [status, seen] = await Promise.all([
      d.kv.get(presenceKey(id)).catch(() => null),
      d.kv.get(lastSeenKey(id)).catch(() => null),
    ]);
    const live = status === "online" || status === "away";
    out[id] = {
      status: live ? status : "offline",
      last_seen: live ? new Date().toISOString() : seen,
    };
  }));
  return out;
}
