import type { KeyValue } from "@colink/platform";

export type PresenceStatus = "online" | "away" | "offline";

/**
 * The seed's `presence:{user_id}` hash, shared by every realtime instance: one field per instance
 * that holds connections of the user (`i:<instance>` = `<online|away|offline> <expires ms>`) and
 * `last_seen` (when the user's last connection anywhere closed). A user is online while any
 * instance's field says online and has not expired, away while one says away, offline otherwise.
 * Instances refresh their fields well within the expiry, so the fields of an instance that
 * crashed lapse by themselves; the key's own TTL removes users nobody refreshes.
 */
export const presenceKey = (userId: string): string => `presence:${userId}`;
/** How long an instance's field counts without a refresh. */
export const PRESENCE_FIELD_TTL_MS = 60_000;
/** The seed's TTL of the whole hash. */
export const PRESENCE_KEY_TTL_MS = 5 * 60_000;

const FIELD = "i:";

export interface PresenceRecord {
  status: PresenceStatus;
  /** Now while online or away; else when the last connection closed (null: never seen). */
  last_seen: string | null;
}

/** The status a stored hash stands for at `now`. */
export function presenceOf(h: Record<string, string>, now = Date.now()): PresenceRecord {
  let online = false;
  let away = false;
  for (const [field, value] of Object.entries(h)) {
    if (!field.startsWith(FIELD)) continue;
    const [status, expires] = value.split(" ");
    if (Number(expires) <= now) continue;
    if (status === "online") online = true;
    else if (status === "away") away = true;
  }
  const status: PresenceStatus = online ? "online" : away ? "away" : "offline";
  return {
    status,
    last_seen: status === "offline" ? h.last_seen ?? null : new Date(now).toISOString(),
  };
}

/** Reads one user's presence; Redis down reads as offline (presence degrades, never fails). */
export async function readPresenceRecord(kv: KeyValue, userId: string): Promise<PresenceRecord> {
  const h = await kv.hgetall(presenceKey(userId)).catch(() => ({}));
  return presenceOf(h);
}

/** Records what one instance holds of a user (its connections' combined status). */
export async function writeInstancePresence(
  kv: KeyValue,
  userId: string,
  instanceId: string,
  status: PresenceStatus,
  now = Date.now(),
): Promise<void> {
  const fields: Record<string, string> = {
    [`${FIELD}${instanceId}`]: `${status} ${
      status === "offline" ? 0 : now + PRESENCE_FIELD_TTL_MS
    }`,
  };
  if (status === "offline") fields.last_seen = new Date(now).toISOString();
  await kv.hset(presenceKey(userId), fields, { ttlMs: PRESENCE_KEY_TTL_MS });
}
