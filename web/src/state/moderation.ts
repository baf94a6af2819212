import { computed, signal } from "@preact/signals";
import { type ConvRef, endpoints } from "../api/endpoints.ts";
import { banNotice, me } from "./session.ts";
import { ensureUsers } from "./users.ts";
import { workspace } from "./workspace.ts";

/**
 * Moderation as the client sees it: who may open the admin view, what a `moderation.action`
 * event says to the person it is about, and where their sends are refused while muted.
 */

/** Realm moderators and admins take actions and read reports (the server's `moderation.*`). */
export const isModerator = computed(() =>
  me.value?.roles.some((r) => r === "moderator" || r === "admin") ?? false
);
/** Only realm admins read the audit log. */
export const isRealmAdmin = computed(() => me.value?.roles.includes("admin") ?? false);
/** Workspace owners and admins (and realm admins) change workspace roles. */
export const canManageRoles = computed(() =>
  isRealmAdmin.value || workspace.value?.role === "owner" || workspace.value?.role === "admin"
);
export const canOpenAdmin = computed(() => isModerator.value || canManageRoles.value);

/** Open reports waiting for a moderator (the Admin entry's badge); counted up to a page. */
export const openReports = signal(0);
export const REPORT_PAGE = 100;

export async function refreshOpenReports(): Promise<void> {
  if (!isModerator.value) return;
  const { reports } = await endpoints.reports({ status: "open", limit: REPORT_PAGE });
  openReports.value = reports.length;
}

/** Keeps the badge roughly current for moderators (reports come in without an event). */
export function watchReports(everyMs = 60_000): () => void {
  const first = setTimeout(() => void refreshOpenReports().catch(() => {}), 0);
  const t = setInterval(() => {
    if (document.visibilityState === "visible") void refreshOpenReports().catch(() => {});
  }, everyMs);
  return () => {
    clearTimeout(first);
    clearInterval(t);
  };
}

/** `data` of the durable `moderation.action` event, sent to the person acted on. */
export interface ModerationEvent {
  action_id: string;
  moderator_id: string;
  action_type: "warn" | "mute" | "kick" | "ban";
  target_user_id: string;
  reason: string;
  timestamp: string;
  channel_id?: string | null;
  workspace_id?: string | null;
  expires_at?: string | null;
  lifted?: "revoked" | "expired";
}

export function isModerationEvent(d: unknown): d is ModerationEvent {
  const e = d as Partial<ModerationEvent> | null;
  return !!e && typeof e === "object" && typeof e.action_id === "string" &&
    typeof e.target_user_id === "string" && typeof e.reason === "string" &&
    ["warn", "mute", "kick", "ban"].includes(e.action_type as string);
}

// ---- words ----

const whenFmt = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
});
export const formatWhen = (iso: string): string => whenFmt.format(new Date(iso));

const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})\b/g;

/** A server message with its ISO times as people read them ("until 2026-…Z" → "until Dec 2, 3:59 PM"). */
export function localizeTimes(text: string, fmt: (iso: string) => string = formatWhen): string {
  return text.replace(ISO_TIME, (iso) => (Number.isNaN(Date.parse(iso)) ? iso : fmt(iso)));
}

/** The first ISO time in a server message (a mute's end), if any. */
export function firstTime(text: string): string | null {
  return text.match(ISO_TIME)?.[0] ?? null;
}

export interface Words {
  tone: "info" | "warn" | "danger";
  title: string;
  detail: string;
}

/**
 * What to tell the person a moderation event is about. `names` resolves the moderator and the
 * place (a channel's `#name`, a workspace's name); `fmt` formats times.
 */
export function describeModeration(
  e: ModerationEvent,
  names: { moderator: string; channel?: string; workspace?: string },
  fmt: (iso: string) => string = formatWhen,
): Words {
  const where = e.channel_id
    ? ` in ${names.channel ?? "a channel"}`
    : e.workspace_id
    ? ` in ${names.workspace ?? "a workspace"}`
    : "";
  const reason = e.reason ? `Reason: ${e.reason}` : "";
  if (e.lifted) {
    const what = e.action_type === "ban" ? "ban" : "mute";
    return {
      tone: "info",
      title: e.lifted === "expired"
        ? `Your ${what}${where} has ended.`
        : `${names.moderator} lifted your ${what}${where}.`,
      detail: e.action_type === "mute" ? "You can send messages again." : "",
    };
  }
  switch (e.action_type) {
    case "warn":
      return {
        tone: "warn",
        title: `${names.moderator} sent you a warning${where}.`,
        detail: reason,
      };
    case "mute":
      return {
        tone: "warn",
        title: `${names.moderator} muted you${where || " everywhere"} ${
          e.expires_at ? `until ${fmt(e.expires_at)}` : "until a moderator lifts it"
        }.`,
        detail: reason,
      };
    case "kick":
      return { tone: "danger", title: `${names.moderator} removed you${where}.`, detail: reason };
    case "ban":
      return {
        tone: "danger",
        title: `Your account was banned${e.expires_at ? ` until ${fmt(e.expires_at)}` : ""}.`,
        detail: reason,
      };
  }
}

// ---- mutes: where sends are refused ----

export interface Mute {
  /** The action's id, or `send:<conversation id>` for one learnt from a refused send. */
  id: string;
  channelId: string | null;
  workspaceId: string | null;
  /** Learnt from a refused send: the conversation it was refused in. */
  convId?: string;
  expiresAt: string | null;
  /** The server's words, for a refused send. */
  message?: string;
}

/**
 * The mute that holds for a conversation now, if one does; what a refused send there said
 * comes first (the server's own words).
 */
export function findMute(
  list: readonly Mute[],
  at: { conv: ConvRef; workspaceId: string | null },
  now: number,
): Mute | undefined {
  const live = list.filter((m) => !m.expiresAt || Date.parse(m.expiresAt) > now);
  return live.find((m) => m.convId === at.conv.id) ?? live.find((m) => {
    if (m.convId) return false;
    if (m.channelId) return at.conv.kind === "channel" && at.conv.id === m.channelId;
    if (m.workspaceId) return m.workspaceId === at.workspaceId;
    return true;
  });
}

export const mutes = signal<Mute[]>([]);
/** Bumped when a mute runs out, so what shows it looks again. */
const muteClock = signal(0);

function watchExpiry(m: Mute): void {
  if (!m.expiresAt) return;
  const ms = Date.parse(m.expiresAt) - Date.now() + 50;
  // Beyond what setTimeout holds (~24.8 days): a reload will have happened by then.
  if (ms > 0 && ms < 2 ** 31 - 1) setTimeout(() => muteClock.value++, ms);
}

function addMute(m: Mute): void {
  mutes.value = [...mutes.value.filter((x) => x.id !== m.id), m];
  watchExpiry(m);
}

/** A send was refused with 403 `muted`: show the server's message where it was refused. */
export function noteMutedSend(conv: ConvRef, message: string): void {
  addMute({
    id: `send:${conv.id}`,
    channelId: null,
    workspaceId: null,
    convId: conv.id,
    expiresAt: firstTime(message),
    message,
  });
}

/** A send went through: whatever we thought about a mute there is over. */
export function noteSent(conv: ConvRef): void {
  if (mutes.value.some((m) => m.convId === conv.id)) {
    mutes.value = mutes.value.filter((m) => m.convId !== conv.id);
  }
}

/** The mute that holds in `conv` now (re-evaluated when one runs out). */
export function muteIn(conv: ConvRef): Mute | undefined {
  void muteClock.value;
  return findMute(mutes.value, { conv, workspaceId: workspace.value?.id ?? null }, Date.now());
}

// ---- events ----

/** The latest moderation event about the signed-in person, until dismissed. */
export const moderationBanner = signal<ModerationEvent | null>(null);

const shown = new Set<string>();

/**
 * Applies a `moderation.action` event meant for us: mutes start or end, a ban is remembered for
 * the sign-in screen, and the banner says what happened (once per action and change, so a
 * replay after a reconnect does not bring back a dismissed banner). `onKick` reloads what the
 * person may see.
 */
export function applyModerationEvent(d: ModerationEvent, onKick: () => void): void {
  if (d.target_user_id !== me.value?.id) return;
  ensureUsers([d.moderator_id]);
  if (d.lifted) {
    mutes.value = mutes.value.filter((m) => m.id !== d.action_id && !m.convId);
  } else if (d.action_type === "mute") {
    addMute({
      id: d.action_id,
      channelId: d.channel_id ?? null,
      workspaceId: d.channel_id ? null : d.workspace_id ?? null,
      expiresAt: d.expires_at ?? null,
    });
  } else if (d.action_type === "ban") {
    // The socket closes next and the session is gone: the sign-in screen says why.
    banNotice.value = { reason: d.reason, until: d.expires_at ?? null };
  } else if (d.action_type === "kick") {
    onKick();
  }
  const key = `${d.action_id}:${d.lifted ?? ""}`;
  if (shown.has(key)) return;
  shown.add(key);
  // An old mute or ban that ran out while we were away: nothing to announce any more.
  if (!d.lifted && d.expires_at && Date.parse(d.expires_at) <= Date.now()) return;
  moderationBanner.value = d;
}

/** Signed out: nothing of this session's moderation state stays (the ban notice does). */
export function resetModeration(): void {
  mutes.value = [];
  openReports.value = 0;
  moderationBanner.value = null;
}
