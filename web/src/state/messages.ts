import { type Signal, signal } from "@preact/signals";
import { ApiError } from "../api/client.ts";
import { type AttachedFile, type ConvRef, endpoints, type Message } from "../api/endpoints.ts";
import { expectEcho } from "../realtime/status.ts";
import { localizeTimes, noteMutedSend, noteSent } from "./moderation.ts";
import { me } from "./session.ts";
import {
  applyReaction,
  isLocal,
  localId,
  type LocalMessage,
  mergeMessages,
  newestServerMessage,
  oldestServerMessage,
  updateMessage,
} from "./timeline.ts";
import { ensureUsers } from "./users.ts";
import { channels, dms, setCounts } from "./workspace.ts";

export interface Timeline {
  /** Top-level messages, oldest first (local echoes last). */
  messages: LocalMessage[];
  /** More history exists before the oldest message held. */
  hasMore: boolean;
  /**
   * More exists after the newest message held: a window around a message jumped to (a search
   * hit), not the present. New messages are not added to it; scrolling down loads what follows.
   */
  hasNewer: boolean;
  loading: boolean;
  loaded: boolean;
  error: string;
}

export interface ThreadState {
  parentId: string;
  conv: ConvRef;
  parent: LocalMessage | null;
  /** Oldest first. */
  replies: LocalMessage[];
  loading: boolean;
  error: string;
}

const EMPTY: Timeline = {
  messages: [],
  hasMore: false,
  hasNewer: false,
  loading: false,
  loaded: false,
  error: "",
};
const timelines = new Map<string, Signal<Timeline>>();
const key = (c: ConvRef) => `${c.kind}:${c.id}`;

export const convOf = (m: Pick<Message, "channel_id" | "dm_id">): ConvRef =>
  m.channel_id ? { kind: "channel", id: m.channel_id } : { kind: "dm", id: m.dm_id! };

export function timeline(c: ConvRef): Signal<Timeline> {
  let t = timelines.get(key(c));
  if (!t) timelines.set(key(c), t = signal(EMPTY));
  return t;
}

function patchTimeline(c: ConvRef, f: (t: Timeline) => Partial<Timeline>): void {
  const t = timeline(c);
  t.value = { ...t.value, ...f(t.value) };
}

export const thread = signal<ThreadState | null>(null);

/**
 * Messages to bring into view (a jump to a search hit): the list holding one scrolls to it and
 * takes it off. `flashed` is highlighted for a moment (and gets the focus).
 */
export const focusTargets = signal<ReadonlySet<string>>(new Set());
export const flashed = signal<string | null>(null);
let flashTimer: ReturnType<typeof setTimeout> | undefined;

export function requestFocus(ids: string[], flash: string): void {
  clearTimeout(flashTimer);
  focusTargets.value = new Set(ids);
  flashed.value = flash;
}

/** Called by a list that has scrolled `id` into view; the flash fades from then on. */
export function tookFocus(id: string): void {
  if (!focusTargets.peek().has(id)) return;
  const next = new Set(focusTargets.peek());
  next.delete(id);
  focusTargets.value = next;
  if (id === flashed.peek()) {
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => (flashed.value = null), 2_500);
  }
}

/** Forgets everything held (a resync or a sign-out): the next view loads afresh. */
export function resetMessages(): void {
  timelines.clear();
  thread.value = null;
}

// ---- applying what the server says (REST answers, polls and socket events alike) ----

const parentRefresh = new Map<string, ReturnType<typeof setTimeout>>();

/** A thread changed under a parent we show: its counters come fresh from the server. */
function refreshParentSoon(parentId: string): void {
  if (parentRefresh.has(parentId)) return;
  parentRefresh.set(
    parentId,
    setTimeout(async () => {
      parentRefresh.delete(parentId);
      try {
        applyMessages([await endpoints.message(parentId)]);
      } catch { /* gone or hidden: the next poll or event says so */ }
    }, 150),
  );
}

/** Puts server messages where they belong, idempotently by id. */
export function applyMessages(list: Message[], o: { fromThreadRefresh?: boolean } = {}): void {
  if (!list.length) return;
  ensureUsers(list.map((m) => m.user_id));
  const top = new Map<string, { conv: ConvRef; items: Message[] }>();
  for (const m of list) {
    const t = thread.value;
    if (m.parent_id) {
      if (t && t.parentId === m.parent_id) {
        const known = t.replies.some((r) => r.id === m.id);
        thread.value = { ...t, replies: mergeMessages(t.replies, [m]) };
        if (!known && !o.fromThreadRefresh) refreshParentSoon(m.parent_id);
      } else if (!o.fromThreadRefresh) {
        const conv = convOf(m);
        if (timeline(conv).value.messages.some((x) => x.id === m.parent_id)) {
          refreshParentSoon(m.parent_id);
        }
      }
      continue;
    }
    if (t && t.parentId === m.id) thread.value = { ...t, parent: m };
    const conv = convOf(m);
    const k = key(conv);
    const entry = top.get(k) ?? { conv, items: [] };
    entry.items.push(m);
    top.set(k, entry);
  }
  for (const { conv, items } of top.values()) {
    const t = timeline(conv);
    // A conversation never opened is loaded whole when it is; a lone message would fake its history.
    if (!t.value.loaded) continue;
    // A window into the past takes changes to what it holds, not messages after it.
    const held = t.value.hasNewer ? new Set(t.value.messages.map((m) => m.id)) : undefined;
    const merged = mergeMessages(
      t.value.messages,
      held ? items.filter((m) => held.has(m.id)) : items,
    );
    if (merged !== t.value.messages) t.value = { ...t.value, messages: merged };
  }
}

/** A reaction event, applied wherever the message is shown. */
export function applyReactionEvent(
  messageId: string,
  emoji: string,
  userId: string,
  added: boolean,
): void {
  const f = (m: LocalMessage) => applyReaction(m, emoji, userId, added) as LocalMessage;
  for (const t of timelines.values()) {
    const next = updateMessage(t.value.messages, messageId, f);
    if (next !== t.value.messages) t.value = { ...t.value, messages: next };
  }
  const th = thread.value;
  if (th) {
    const replies = updateMessage(th.replies, messageId, f);
    const parent = th.parent?.id === messageId ? f(th.parent) : th.parent;
    if (replies !== th.replies || parent !== th.parent) {
      thread.value = { ...th, replies, parent };
    }
  }
}

// ---- history ----

const PAGE = 50;

/** The newest page: a first load, or a poll that also picks up edits, deletions and reactions. */
export async function loadLatest(c: ConvRef): Promise<void> {
  // A window into the past is not the present: it follows as it is scrolled (loadNewer).
  if (timeline(c).value.hasNewer) return;
  const first = !timeline(c).value.loaded;
  if (first) patchTimeline(c, () => ({ loading: true, error: "" }));
  try {
    const page = await endpoints.history(c, { limit: PAGE });
    ensureUsers(page.messages.map((m) => m.user_id));
    patchTimeline(c, (t) => {
      // A jump made a window into the past meanwhile: it stays.
      if (t.hasNewer) return {};
      // More arrived since the last look than one page holds: what we hold no longer joins
      // the newest page, so start again from it rather than show a silent gap.
      const held = new Set(t.messages.map((m) => m.id));
      const gap = t.loaded && page.has_more && newestServerMessage(t.messages) !== undefined &&
        !page.messages.some((m) => held.has(m.id));
      const base = gap ? t.messages.filter(isLocal) : t.messages;
      return {
        messages: mergeMessages(base, page.messages),
        hasMore: t.loaded && !gap ? t.hasMore : page.has_more,
        loaded: true,
        loading: false,
        error: "",
      };
    });
  } catch (e) {
    patchTimeline(c, () => ({ loading: false, error: first ? (e as Error).message : "" }));
    if (!first) throw e;
  }
}

/** The page before the oldest message held (keyset: before=<id>). */
export async function loadOlder(c: ConvRef): Promise<void> {
  const t = timeline(c).value;
  const oldest = oldestServerMessage(t.messages);
  if (t.loading || !t.hasMore || !oldest) return;
  patchTimeline(c, () => ({ loading: true }));
  try {
    const page = await endpoints.history(c, { before: oldest.id, limit: PAGE });
    ensureUsers(page.messages.map((m) => m.user_id));
    patchTimeline(c, (cur) =>
      // A jump replaced what was held meanwhile: this page no longer joins it.
      oldestServerMessage(cur.messages)?.id !== oldest.id ? { loading: false } : {
        messages: mergeMessages(cur.messages, page.messages),
        hasMore: page.has_more,
        loading: false,
      });
  } catch (e) {
    patchTimeline(c, () => ({ loading: false, error: (e as Error).message }));
  }
}

/** The page after the newest message held, in a window into the past (keyset: after=<id>). */
export async function loadNewer(c: ConvRef): Promise<void> {
  const t = timeline(c).value;
  const newest = newestServerMessage(t.messages);
  if (t.loading || !t.hasNewer || !newest) return;
  patchTimeline(c, () => ({ loading: true }));
  try {
    const page = await endpoints.history(c, { after: newest.id, limit: PAGE });
    ensureUsers(page.messages.map((m) => m.user_id));
    patchTimeline(
      c,
      (cur) =>
        newestServerMessage(cur.messages)?.id !== newest.id ? { loading: false } : {
          messages: mergeMessages(cur.messages, page.messages),
          hasNewer: cur.hasNewer && page.has_more,
          loading: false,
        },
    );
  } catch (e) {
    patchTimeline(c, () => ({ loading: false, error: (e as Error).message }));
  }
}

/** Messages either side of a jump target (a search hit). */
const AROUND = 25;

/**
 * Makes the timeline hold `target` (a top-level message of `c`) with messages either side:
 * nothing to do if it is held; joined to what is held when the two meet (or the messages after
 * it reach the present); otherwise a window into the past (`hasNewer`) in place of what was held.
 */
export async function loadAround(c: ConvRef, target: Message): Promise<void> {
  const t = timeline(c).value;
  if (t.messages.some((m) => m.id === target.id)) return;
  patchTimeline(c, () => ({ loading: true, error: "" }));
  try {
    const [older, newer] = await Promise.all([
      endpoints.history(c, { before: target.id, limit: AROUND }),
      endpoints.history(c, { after: target.id, limit: AROUND }),
    ]);
    const found = [...older.messages, target, ...newer.messages];
    ensureUsers(found.map((m) => m.user_id));
    patchTimeline(c, (cur) => {
      const held = new Set(cur.messages.filter((m) => !isLocal(m)).map((m) => m.id));
      const meets = cur.loaded && newer.messages.some((m) => held.has(m.id));
      const present = !newer.has_more;
      if (meets || (present && cur.loaded && !cur.hasNewer)) {
        return {
          messages: mergeMessages(cur.messages, found),
          hasMore: older.has_more,
          hasNewer: meets ? cur.hasNewer : false,
          loaded: true,
          loading: false,
        };
      }
      return {
        messages: mergeMessages(cur.messages.filter(isLocal), found),
        hasMore: older.has_more,
        hasNewer: !present,
        loaded: true,
        loading: false,
      };
    });
  } catch (e) {
    patchTimeline(c, () => ({ loading: false }));
    throw e;
  }
}

/** Leaves a window into the past for the newest messages again. */
export async function loadPresent(c: ConvRef): Promise<void> {
  const t = timeline(c).value;
  if (!t.hasNewer) return;
  timeline(c).value = { ...EMPTY, messages: t.messages.filter(isLocal) };
  await loadLatest(c);
}

// ---- threads ----

export async function openThread(parent: LocalMessage): Promise<void> {
  if (isLocal(parent)) return;
  thread.value = {
    parentId: parent.id,
    conv: convOf(parent),
    parent,
    replies: [],
    loading: true,
    error: "",
  };
  await refreshThread();
}

export async function refreshThread(): Promise<void> {
  const t = thread.value;
  if (!t) return;
  try {
    const page = await endpoints.replies(t.parentId);
    const cur = thread.value;
    if (cur?.parentId !== t.parentId) return;
    ensureUsers(page.messages.map((m) => m.user_id));
    thread.value = {
      ...cur,
      parent: page.parent,
      replies: mergeMessages(cur.replies, page.messages),
      loading: false,
      error: "",
    };
    applyMessages([page.parent], { fromThreadRefresh: true });
  } catch (e) {
    const cur = thread.value;
    if (cur?.parentId === t.parentId) {
      thread.value = { ...cur, loading: false, error: (e as Error).message };
    }
  }
}

export function closeThread(): void {
  thread.value = null;
}

// ---- sending, with a local echo ----

interface Outgoing {
  clientMsgId: string;
  conv: ConvRef;
  parentId: string | null;
  content: string;
  /** Uploaded and scanned files it carries (the echo shows them at once). */
  files: AttachedFile[];
  attempt: number;
  timer?: ReturnType<typeof setTimeout>;
}

const outgoing = new Map<string, Outgoing>();
/** Automatic retries of a send that failed for a passing reason (network, 5xx, 429). */
const RETRY_DELAYS_MS = [1_000, 2_000, 4_000, 8_000];

function putEcho(o: Outgoing, state: NonNullable<LocalMessage["local"]>): void {
  const id = localId(o.clientMsgId);
  const echo: LocalMessage = {
    id,
    channel_id: o.conv.kind === "channel" ? o.conv.id : null,
    dm_id: o.conv.kind === "dm" ? o.conv.id : null,
    user_id: me.value?.id ?? "",
    content: o.content,
    created_at: new Date().toISOString(),
    edited_at: null,
    deleted_at: null,
    parent_id: o.parentId,
    reply_count: 0,
    last_reply_at: null,
    thread_locked_at: null,
    reactions: [],
    mentions: [],
    files: o.files,
    client_msg_id: o.clientMsgId,
    seq: 0,
    local: state,
  };
  const upsert = (list: LocalMessage[]) => {
    const existing = list.find((m) => m.id === id);
    return existing ? updateMessage(list, id, (m) => ({ ...m, local: state })) : [...list, echo];
  };
  if (o.parentId) {
    const t = thread.value;
    if (t?.parentId === o.parentId) thread.value = { ...t, replies: upsert(t.replies) };
  } else {
    const t = timeline(o.conv);
    t.value = { ...t.value, messages: upsert(t.value.messages) };
  }
}

function dropEcho(o: Outgoing): void {
  const id = localId(o.clientMsgId);
  const t = thread.value;
  if (t) thread.value = { ...t, replies: updateMessage(t.replies, id, () => null) };
  const tl = timeline(o.conv);
  tl.value = { ...tl.value, messages: updateMessage(tl.value.messages, id, () => null) };
}

async function attempt(o: Outgoing): Promise<void> {
  o.timer = undefined;
  putEcho(o, { state: "pending" });
  try {
    // The same client_msg_id on every attempt: the server returns the first copy, never a second.
    const fileIds = o.files.map((f) => f.id);
    const m = o.parentId
      ? await endpoints.reply(o.parentId, o.content, o.clientMsgId, fileIds)
      : await endpoints.send(o.conv, o.content, o.clientMsgId, fileIds);
    outgoing.delete(o.clientMsgId);
    noteSent(o.conv);
    applyMessages([m]);
    expectEcho(m.id);
    if (!m.parent_id) setCounts(o.conv, 0, 0, m.id);
  } catch (e) {
    if (!outgoing.has(o.clientMsgId)) return; // discarded meanwhile
    const err = e instanceof ApiError ? e : new ApiError(0, "network_error", String(e));
    const delay = RETRY_DELAYS_MS[o.attempt];
    if (err.transient && delay !== undefined) {
      o.attempt++;
      const wait = err.retryAfter ? Math.max(err.retryAfter * 1000, delay) : delay;
      o.timer = setTimeout(() => attempt(o), wait);
      return;
    }
    if (err.code === "muted") noteMutedSend(o.conv, err.message);
    // Locked meanwhile: the thread shows it once its first message is fetched again.
    if (err.code === "thread_locked" && o.parentId) refreshParentSoon(o.parentId);
    putEcho(o, { state: "failed", error: localizeTimes(err.message) });
  }
}

export function sendMessage(
  conv: ConvRef,
  content: string,
  parentId: string | null = null,
  files: AttachedFile[] = [],
): void {
  const o: Outgoing = {
    clientMsgId: crypto.randomUUID(),
    conv,
    parentId,
    content,
    files,
    attempt: 0,
  };
  outgoing.set(o.clientMsgId, o);
  // Sending from a window into the past: the conversation goes back to the present first.
  if (!parentId && timeline(conv).value.hasNewer) void loadPresent(conv).catch(() => {});
  void attempt(o);
}

export function retrySend(clientMsgId: string): void {
  const o = outgoing.get(clientMsgId);
  if (!o) return;
  clearTimeout(o.timer);
  o.attempt = 0;
  void attempt(o);
}

export function discardSend(clientMsgId: string): void {
  const o = outgoing.get(clientMsgId);
  if (!o) return;
  clearTimeout(o.timer);
  outgoing.delete(clientMsgId);
  dropEcho(o);
}

/** After a reconnect, sends waiting for their next automatic retry go at once. */
export function retryWaitingSends(): void {
  for (const o of outgoing.values()) {
    if (o.timer) {
      clearTimeout(o.timer);
      void attempt(o);
    }
  }
}

// ---- edits, deletions, reactions ----

export async function editMessage(m: LocalMessage, content: string): Promise<void> {
  const edited = await endpoints.edit(m.id, content);
  applyMessages([edited]);
  expectEcho(edited.id);
}

export async function deleteMessage(m: LocalMessage): Promise<void> {
  await endpoints.remove(m.id);
  try {
    applyMessages([await endpoints.message(m.id)]);
  } catch {
    applyMessages([{ ...m, content: "", deleted_at: new Date().toISOString() }]);
  }
  if (m.parent_id) refreshParentSoon(m.parent_id);
}

export async function toggleReaction(m: LocalMessage, emoji: string): Promise<void> {
  const uid = me.value?.id;
  if (!uid || isLocal(m)) return;
  const mine = m.reactions.some((r) => r.emoji === emoji && r.user_ids.includes(uid));
  applyReactionEvent(m.id, emoji, uid, !mine);
  try {
    applyMessages([
      mine ? await endpoints.unreact(m.id, emoji) : await endpoints.react(m.id, emoji),
    ]);
  } catch (e) {
    applyReactionEvent(m.id, emoji, uid, mine);
    throw e;
  }
}

// ---- read markers ----

/** At most one read-marker write per conversation this often (writes are rate limited). */
const READ_EVERY_MS = 3_000;
const reads = new Map<
  string,
  { last: number; id: string; timer?: ReturnType<typeof setTimeout> }
>();

/**
 * Viewing a conversation reads it: its badges clear at once, and the marker moves to the newest
 * message on screen, throttled, since every message arriving while you look would otherwise be
 * one write. The server never moves a marker backwards, so a late write is harmless.
 */
export function markRead(c: ConvRef): void {
  // Looking at the past does not read what came after it.
  if (timeline(c).value.hasNewer) return;
  const newest = newestServerMessage(timeline(c).value.messages);
  if (!newest) return;
  const meta = c.kind === "channel"
    ? channels.value.find((x) => x.id === c.id)
    : dms.value.find((x) => x.id === c.id);
  if (!meta) return;
  if (c.kind === "channel" && (meta as { role: string | null }).role === null) return;
  const unread = meta.unread_count > 0 || meta.mention_count > 0;
  if (!unread && (meta.last_read_message_id === newest.id || newest.user_id === me.value?.id)) {
    return;
  }
  if (unread) setCounts(c, 0, 0);
  const k = key(c);
  let st = reads.get(k);
  if (!st) reads.set(k, st = { last: 0, id: newest.id });
  st.id = newest.id;
  if (st.timer) return;
  const state = st;
  state.timer = setTimeout(async () => {
    state.timer = undefined;
    state.last = Date.now();
    try {
      const r = await endpoints.markRead(c, state.id);
      setCounts(c, r.unread_count, r.mention_count, r.last_read_message_id ?? undefined);
    } catch { /* the next view or poll tries again */ }
  }, Math.max(0, state.last + READ_EVERY_MS - Date.now()));
}
