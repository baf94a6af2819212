import { type Signal, signal } from "@preact/signals";
import {
  type AuditEntry,
  type AuditFilter,
  type CreateModerationAction,
  endpoints,
  type ModerationActionRecord,
  type Report,
  type ReportStatus,
  type WorkspaceMember,
  type WorkspaceRole,
} from "../api/endpoints.ts";
import { formatWhen } from "./moderation.ts";
import { ensureUsers } from "./users.ts";

/**
 * The admin view's data (loaded only with it): the report queue, moderation actions, the
 * workspace's members and the audit log, each a list that pages on with the server's cursor,
 * and the rules its forms follow (the server checks them again).
 */

// ---- paged lists ----

export interface Paged<T> {
  items: T[];
  next: string | null;
  loading: boolean;
  loaded: boolean;
  error: string;
}

export const emptyPage = <T>(): Paged<T> => ({
  items: [],
  next: null,
  loading: false,
  loaded: false,
  error: "",
});

/** `page` after `list`, once per id (a row that moved between pages is not shown twice). */
export function appendPage<T extends { id: string }>(list: readonly T[], page: readonly T[]): T[] {
  const seen = new Set(list.map((x) => x.id));
  return [...list, ...page.filter((x) => !seen.has(x.id))];
}

/** The request each list is waiting for: an answer to an older one is dropped. */
const current = new WeakMap<Signal<unknown>, object>();

/** Loads the first page (`more` false) or the next one into `s`; a stale answer is dropped. */
async function loadInto<T extends { id: string }>(
  s: Signal<Paged<T>>,
  more: boolean,
  fetch: (cursor?: string) => Promise<{ items: T[]; next: string | null }>,
): Promise<void> {
  const before = s.value;
  if (more && (!before.next || before.loading)) return;
  const cursor = more ? before.next ?? undefined : undefined;
  const token = {};
  current.set(s, token);
  s.value = { ...(more ? before : emptyPage<T>()), loading: true, error: "" };
  try {
    const page = await fetch(cursor);
    if (current.get(s) !== token) return;
    s.value = {
      items: more ? appendPage(s.value.items, page.items) : page.items,
      next: page.next,
      loading: false,
      loaded: true,
      error: "",
    };
  } catch (e) {
    if (current.get(s) !== token) return;
    s.value = { ...s.value, loading: false, loaded: true, error: (e as Error).message };
  }
}
/** Replaces one row by id (after an action on it). */
export function replaceItem<T extends { id: string }>(s: Signal<Paged<T>>, row: T): void {
  s.value = { ...s.value, items: s.value.items.map((x) => (x.id === row.id ? row : x)) };
}

// ---- reports ----

export const reportStatus = signal<ReportStatus>("open");
export const reports = signal<Paged<Report>>(emptyPage());

export function loadReports(more = false): Promise<void> {
  const status = reportStatus.value;
  return loadInto(reports, more, async (cursor) => {
    const r = await endpoints.reports({ status, limit: 50, cursor });
    ensureUsers(r.reports.flatMap((x) => [x.reporter_id, x.message.user_id]));
    return { items: r.reports, next: r.next_cursor };
  });
}

// ---- moderation actions ----

export const actionsActiveOnly = signal(true);
export const actions = signal<Paged<ModerationActionRecord>>(emptyPage());

export function loadActions(more = false): Promise<void> {
  const active = actionsActiveOnly.value || undefined;
  return loadInto(actions, more, async (cursor) => {
    const r = await endpoints.moderationActions({ active, limit: 50, cursor });
    ensureUsers(r.actions.flatMap((a) => [a.target_user_id, a.actor_id]));
    return { items: r.actions, next: r.next_cursor };
  });
}

export type ActionStatus = "active" | "revoked" | "expired" | "done";

/** Where an action stands: a mute or ban in force, undone, run out; warnings and kicks are done. */
export function actionStatus(a: ModerationActionRecord, now = Date.now()): ActionStatus {
  if (a.action_type !== "mute" && a.action_type !== "ban") return "done";
  if (a.revoked_at) return "revoked";
  if (a.active) return "active";
  return a.expires_at && Date.parse(a.expires_at) <= now ? "expired" : "revoked";
}

export type Scope = "channel" | "workspace" | "everywhere";

/** Where each kind of action may apply (a kick needs a place, a ban is account-wide). */
export function scopesFor(type: CreateModerationAction["action_type"]): Scope[] {
  switch (type) {
    case "mute":
      return ["channel", "workspace", "everywhere"];
    case "kick":
      return ["channel", "workspace"];
    default:
      return [];
  }
}

/** Only mutes and bans last; the rest happen once. */
export const lasts = (type: CreateModerationAction["action_type"]): boolean =>
  type === "mute" || type === "ban";

export const DURATIONS: { label: string; seconds: number | null }[] = [
  { label: "1 hour", seconds: 3_600 },
  { label: "1 day", seconds: 86_400 },
  { label: "1 week", seconds: 7 * 86_400 },
  { label: "Until undone", seconds: null },
];

export interface ActionForm {
  type: CreateModerationAction["action_type"];
  targetId: string;
  reason: string;
  scope: Scope;
  channelId: string;
  workspaceId: string;
  seconds: number | null;
}

/** The request for a form, or what is missing (the same rules as the server's schema). */
export function actionBody(
  f: ActionForm,
): { body: CreateModerationAction; error?: undefined } | { error: string; body?: undefined } {
  if (!f.targetId) return { error: "Pick the person to act on." };
  const reason = f.reason.trim();
  if (!reason) return { error: "Give a reason: the person is told it." };
  if (reason.length > 1000) return { error: "The reason is longer than 1000 characters." };
  const body: CreateModerationAction = {
    action_type: f.type,
    target_user_id: f.targetId,
    reason,
  };
  const scopes = scopesFor(f.type);
  if (scopes.length) {
    if (!scopes.includes(f.scope)) {
      return { error: "A kick is from a channel or from the workspace." };
    }
    if (f.scope === "channel") {
      if (!f.channelId) return { error: "Pick the channel." };
      body.channel_id = f.channelId;
    } else if (f.scope === "workspace") {
      if (!f.workspaceId) return { error: "Pick the workspace." };
      body.workspace_id = f.workspaceId;
    }
  }
  if (lasts(f.type) && f.seconds !== null) body.duration_seconds = f.seconds;
  return { body };
}

// ---- workspace members ----

export const workspaceMembers = signal<Paged<WorkspaceMember & { id: string }>>(emptyPage());

export function loadWorkspaceMembers(wid: string): Promise<void> {
  return loadInto(workspaceMembers, false, async () => {
    const r = await endpoints.workspaceMembers(wid);
    ensureUsers(r.members.map((m) => m.user_id));
    return { items: r.members.map((m) => ({ ...m, id: m.user_id })), next: null };
  });
}

export const ROLES: WorkspaceRole[] = ["owner", "admin", "member", "guest"];

/**
 * Which roles the caller may give a member: only owners (and realm admins) make or unmake
 * owners; workspace admins manage the rest.
 */
export function assignableRoles(
  o: { myRole: WorkspaceRole | null; realmAdmin: boolean; targetRole: WorkspaceRole },
): WorkspaceRole[] {
  const owner = o.realmAdmin || o.myRole === "owner";
  if (!owner && o.myRole !== "admin") return [];
  if (!owner && o.targetRole === "owner") return [];
  return owner ? ROLES : ROLES.filter((r) => r !== "owner");
}

/** A refused role change, in words that say what to do. */
export function roleError(code: string, message: string, name: string): string {
  switch (code) {
    case "last_owner":
      return `${name} is the workspace's last owner. Make someone else owner first, then change ${name}'s role.`;
    case "forbidden":
      return `Not allowed: ${message}.`;
    default:
      return message;
  }
}

// ---- audit log ----

export const auditFilter = signal<AuditFilter>({});
export const audit = signal<Paged<AuditEntry>>(emptyPage());

export function loadAudit(more = false): Promise<void> {
  const f = auditFilter.value;
  return loadInto(audit, more, async (cursor) => {
    const r = await endpoints.auditLog(f, { limit: 50, cursor });
    ensureUsers(r.entries.flatMap((e) => (e.actor_id ? [e.actor_id] : [])));
    return { items: r.entries, next: r.next_cursor };
  });
}

/** Actions the audit log records (a list to pick from; the filter takes any). */
export const AUDIT_ACTIONS = [
  "moderation.warn",
  "moderation.mute",
  "moderation.unmute",
  "moderation.kick",
  "moderation.ban",
  "moderation.unban",
  "moderation.unban.expired",
  "report.resolve",
  "report.dismiss",
  "thread.lock",
  "thread.unlock",
  "message.delete",
  "channel.archive",
  "role.change",
  "role.grant",
  "admin.denied",
  "idp.disable_failed",
  "idp.enable_failed",
];
export const RESOURCE_TYPES = [
  "user",
  "message",
  "report",
  "channel",
  "channel_member",
  "workspace_member",
  "route",
];

/** A `datetime-local` value (local time) as the ISO time the API takes; "" or nonsense: none. */
export function sinceIso(local: string): string | undefined {
  if (!local) return undefined;
  const t = new Date(local).getTime();
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** The interesting part of an entry's metadata, in one line (the rest is a click away). */
export function auditSummary(
  meta: Record<string, unknown>,
  fmt: (iso: string) => string = formatWhen,
): string {
  const parts: string[] = [];
  const str = (k: string) => (typeof meta[k] === "string" && meta[k] ? String(meta[k]) : "");
  if (str("from") || str("to")) parts.push(`${str("from") || "?"} → ${str("to") || "?"}`);
  else if (str("role")) parts.push(`as ${str("role")}`);
  if (str("reason")) parts.push(`“${str("reason")}”`);
  if (str("note")) parts.push(`note: “${str("note")}”`);
  if (str("expires_at")) {
    const t = str("expires_at");
    parts.push(`until ${Number.isNaN(Date.parse(t)) ? t : fmt(t)}`);
  }
  if (str("lifted")) parts.push(str("lifted"));
  if (str("code")) parts.push(str("code"));
  return parts.join(" · ");
}

export function csvFilename(now = new Date()): string {
  return `colink-audit-log-${now.toISOString().slice(0, 10)}.csv`;
}
