import { computed, signal } from "@preact/signals";
import {
  type Channel,
  type ConvRef,
  type Dm,
  endpoints,
  type Workspace,
} from "../api/endpoints.ts";
import { loadPresence } from "./presence.ts";
import { me } from "./session.ts";
import { ADMIN_TABS, type AdminTab, adminTab, search, type SearchTab } from "./ui.ts";
import { displayName, ensureUsers } from "./users.ts";

export const workspaces = signal<Workspace[]>([]);
export const workspace = signal<Workspace | null>(null);
/** Channels of the current workspace the caller can see (joined ones have a role). */
export const channels = signal<Channel[]>([]);
export const dms = signal<Dm[]>([]);
/** The conversation on screen. */
export const current = signal<ConvRef | null>(null);

export const currentChannel = computed(() => {
  const c = current.value;
  return c?.kind === "channel" ? channels.value.find((ch) => ch.id === c.id) : undefined;
});
export const currentDm = computed(() => {
  const c = current.value;
  return c?.kind === "dm" ? dms.value.find((d) => d.id === c.id) : undefined;
});

export const sameConv = (a: ConvRef | null | undefined, b: ConvRef | null | undefined): boolean =>
  !!a && !!b && a.kind === b.kind && a.id === b.id;

/** What a DM is called: the other people in it (yourself only in a DM with yourself). */
export function dmName(d: Dm): string {
  const others = d.participant_ids.filter((id) => id !== me.value?.id);
  ensureUsers(d.participant_ids);
  return (others.length ? others : d.participant_ids).map(displayName).join(", ");
}

export function conversationName(ref: ConvRef | null): string {
  if (!ref) return "";
  if (ref.kind === "channel") {
    const ch = channels.value.find((c) => c.id === ref.id);
    return ch ? `#${ch.name}` : "#…";
  }
  const d = dms.value.find((x) => x.id === ref.id);
  return d ? dmName(d) : "…";
}

// ---- URL ----

/**
 * `/w/<slug>/channel/<id>` or `/w/<slug>/dm/<id>`: the conversation survives a reload;
 * `/w/<slug>/admin/<tab>` is the admin view.
 */
export function parseRoute(
  path = location.pathname,
): { slug?: string; conv?: ConvRef; admin?: AdminTab } {
  const a = /^\/w\/([^/]+)\/admin(?:\/([a-z]+))?\/?$/.exec(path);
  if (a) {
    const tab = ADMIN_TABS.find((t) => t === a[2]) ?? "reports";
    return { slug: decodeURIComponent(a[1]!), admin: tab };
  }
  const m = /^\/w\/([^/]+)(?:\/(channel|dm)\/([0-9a-f-]{36}))?\/?$/i.exec(path);
  if (!m) return {};
  return {
    slug: decodeURIComponent(m[1]!),
    conv: m[2] ? { kind: m[2] as ConvRef["kind"], id: m[3]!.toLowerCase() } : undefined,
  };
}

/** `?search=<q>` (and `&tab=files`): the search beside the conversation. */
export function parseSearch(query = location.search): { q: string; tab: SearchTab } | null {
  const p = new URLSearchParams(query);
  const q = p.get("search")?.trim();
  return q ? { q, tab: p.get("tab") === "files" ? "files" : "messages" } : null;
}

export function searchSuffix(s: { q: string; tab: SearchTab } | null): string {
  if (!s) return "";
  const p = new URLSearchParams({ search: s.q });
  if (s.tab === "files") p.set("tab", "files");
  return `?${p}`;
}

/** Keeps the URL's `?search=` in step with the search on screen (not in the admin view). */
export function syncSearchUrl(): void {
  if (!workspace.value || adminTab.value) return;
  const want = location.pathname + searchSuffix(search.value);
  if (want !== location.pathname + location.search) history.replaceState(null, "", want);
}

function routeOf(conv: ConvRef | null): string {
  const w = workspace.value;
  if (!w) return "/";
  return conv ? `/w/${encodeURIComponent(w.slug)}/${conv.kind}/${conv.id}` : `/w/${w.slug}`;
}

function go(path: string, replace?: boolean, withSearch = true): void {
  const url = path + (withSearch ? searchSuffix(search.peek()) : "");
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
}

/** Shows a conversation (and leaves the admin view). */
export function open(conv: ConvRef | null, o: { replace?: boolean } = {}): void {
  go(routeOf(conv), o.replace);
  adminTab.value = null;
  current.value = conv;
}

/** Shows the admin view on one of its tabs; the conversation stays where it was behind it. */
export function openAdmin(tab: AdminTab, o: { replace?: boolean } = {}): void {
  const w = workspace.value;
  if (!w) return;
  go(`/w/${encodeURIComponent(w.slug)}/admin/${tab}`, o.replace, false);
  adminTab.value = tab;
}

// ---- loading ----

export async function loadWorkspaces(): Promise<Workspace[]> {
  const { workspaces: list } = await endpoints.workspaces();
  workspaces.value = list;
  return list;
}

export async function refreshChannels(): Promise<void> {
  const w = workspace.value;
  if (!w) return;
  const { channels: list } = await endpoints.channels(w.id);
  if (workspace.value?.id !== w.id) return;
  channels.value = list;
}

export async function refreshDms(): Promise<void> {
  const w = workspace.value;
  if (!w) return;
  const { dms: list } = await endpoints.dms(w.id);
  if (workspace.value?.id !== w.id) return;
  ensureUsers(list.flatMap((d) => d.participant_ids));
  dms.value = list;
  void loadPresence(list.flatMap((d) => d.participant_ids)).catch(() => {});
}

export async function refreshSidebar(): Promise<void> {
  await Promise.all([refreshChannels(), refreshDms()]);
}

/** Switches workspace and opens `conv`, or its default channel. */
export async function selectWorkspace(w: Workspace, conv?: ConvRef): Promise<void> {
  if (workspace.value?.id !== w.id) {
    workspace.value = w;
    channels.value = [];
    dms.value = [];
    try {
      localStorage.setItem("colink:workspace", w.slug);
    } catch { /* storage disabled: the URL still says where we are */ }
  }
  await refreshSidebar();
  const target = conv ?? defaultConversation();
  if (target?.kind === "channel" && !channels.value.some((c) => c.id === target.id)) {
    await ensureChannel(target.id);
  }
  open(target ?? null, { replace: true });
}

function defaultConversation(): ConvRef | undefined {
  const joined = channels.value.filter((c) => c.role !== null && !c.archived_at);
  const ch = joined.find((c) => c.is_default) ?? joined[0];
  return ch ? { kind: "channel", id: ch.id } : undefined;
}

/** A channel opened by link or from the browser that the list does not have yet. */
export async function ensureChannel(id: string): Promise<Channel | undefined> {
  const have = channels.value.find((c) => c.id === id);
  if (have) return have;
  try {
    const ch = await endpoints.channel(id);
    if (!channels.value.some((c) => c.id === id)) channels.value = [...channels.value, ch];
    return ch;
  } catch {
    return undefined;
  }
}

export function lastWorkspaceSlug(): string | null {
  try {
    return localStorage.getItem("colink:workspace");
  } catch {
    return null;
  }
}

/** Badges of one conversation, set locally when we read it (the server agrees a moment later). */
export function setCounts(ref: ConvRef, unread: number, mentions: number, lastRead?: string): void {
  const f = <T extends Channel | Dm>(c: T): T =>
    c.id === ref.id && (c.unread_count !== unread || c.mention_count !== mentions ||
        (lastRead !== undefined && c.last_read_message_id !== lastRead))
      ? {
        ...c,
        unread_count: unread,
        mention_count: mentions,
        last_read_message_id: lastRead ?? c.last_read_message_id,
      }
      : c;
  if (ref.kind === "channel") channels.value = channels.value.map(f);
  else dms.value = dms.value.map(f);
}

/**
 * Someone else's new message in a conversation we are not looking at: top-level messages are
 * unread, mentions count wherever they are (replies included), as the server counts them.
 */
export function bumpUnread(
  ref: ConvRef,
  o: { unread: boolean; mention: boolean; at: string },
): void {
  const f = <T extends Channel | Dm>(c: T): T =>
    c.id === ref.id
      ? {
        ...c,
        unread_count: c.unread_count + (o.unread ? 1 : 0),
        mention_count: c.mention_count + (o.mention ? 1 : 0),
        last_message_at: o.at,
      }
      : c;
  if (ref.kind === "channel") channels.value = channels.value.map(f);
  else dms.value = dms.value.map(f);
}
