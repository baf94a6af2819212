import type { Principal } from "@colink/auth";
import { type PresenceRecord, readPresenceRecord } from "@colink/conversations";
import type { KeyValue, Sql } from "@colink/platform";

/**
 * Presence of the people the caller shares a workspace with (anyone else reads as offline with
 * no last_seen: presence is not a way to probe accounts). Keys are written by the realtime
 * gateway; with Redis down everyone reads as offline.
 */
export async function readPresence(
  d: { sql: Sql; kv: KeyValue },
  p: Principal,
  userIds: readonly string[],
): Promise<Record<string, PresenceRecord>> {
  const visible = new Set(
    (await d.sql.query<{ user_id: string }>(
      `select distinct b.user_id::text from workspace_members a
         join workspace_members b on b.workspace_id = a.workspace_id
        where a.user_id = $1 and b.user_id = any($2::uuid[])`,
      [p.userId, userIds],
    )).map((r) => r.user_id),
  );
  const out: Record<string, PresenceRecord> = {};
  await Promise.all(userIds.map(async (id) => {
    out[id] = visible.has(id)
      ? await readPresenceRecord(d.kv, id)
      : { status: "offline", last_seen: null };
  }));
  return out;
}
