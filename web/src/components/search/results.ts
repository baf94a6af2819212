import { type Signal, signal } from "@preact/signals";
import {
  type Channel,
  type ConvRef,
  endpoints,
  type FileHit,
  type Message,
  type MessageHit,
  type SearchPage,
} from "../../api/endpoints.ts";
import { convOf, loadAround, openThread, requestFocus } from "../../state/messages.ts";
import { ensureUsers } from "../../state/users.ts";
import {
  channels,
  dms,
  open,
  refreshDms,
  selectWorkspace,
  workspace,
  workspaces,
} from "../../state/workspace.ts";

/** One tab's results: the pages fetched so far for one query. */
export interface Results<T> {
  /** The query (and file type) these are for. */
  key: string;
  hits: T[];
  next: string | null;
  loading: boolean;
  /** Loaded at least once. */
  loaded: boolean;
  error: string;
}

const PAGE = 20;

const none = <T>(): Results<T> => ({
  key: "",
  hits: [],
  next: null,
  loading: false,
  loaded: false,
  error: "",
});

export const messageResults: Signal<Results<MessageHit>> = signal(none<MessageHit>());
export const fileResults: Signal<Results<FileHit>> = signal(none<FileHit>());

/** Each tab's requests in flight, so a newer query's answer is never overwritten by an older one. */
const inFlight = new Map<Signal<Results<unknown>>, AbortController>();

async function fetchPage<T>(
  target: Signal<Results<T>>,
  key: string,
  more: boolean,
  get: (cursor: string | undefined, signal: AbortSignal) => Promise<SearchPage<T>>,
): Promise<void> {
  const cur = target.value;
  if (more ? cur.key !== key || !cur.next || cur.loading : cur.key === key && cur.loading) return;
  inFlight.get(target as Signal<Results<unknown>>)?.abort();
  const ac = new AbortController();
  inFlight.set(target as Signal<Results<unknown>>, ac);
  target.value = more
    ? { ...cur, loading: true, error: "" }
    : { ...none<T>(), key, loading: true, hits: cur.key === key ? cur.hits : [] };
  try {
    const page = await get(more ? cur.next! : undefined, ac.signal);
    if (ac.signal.aborted) return;
    target.value = {
      key,
      hits: more ? [...target.value.hits, ...page.hits] : page.hits,
      next: page.next_cursor,
      loading: false,
      loaded: true,
      error: "",
    };
  } catch (e) {
    if (ac.signal.aborted || (e as Error).name === "AbortError") return;
    target.value = { ...target.value, loading: false, loaded: true, error: (e as Error).message };
  } finally {
    if (inFlight.get(target as Signal<Results<unknown>>) === ac) {
      inFlight.delete(target as Signal<Results<unknown>>);
    }
  }
}

/**
 * The first page of message hits for `q` (`n`: which asking of it; a new one fetches afresh),
 * again if `fresh`, or the next page (`more`).
 */
export function searchMessages(
  q: string,
  n: number,
  o: { more?: boolean; fresh?: boolean } = {},
): void {
  const key = `${n}\n${q}`;
  if (!o.more && !o.fresh && messageResults.value.key === key && messageResults.value.loaded) {
    return;
  }
  void fetchPage(messageResults, key, !!o.more, async (cursor, signal) => {
    const page = await endpoints.searchMessages(q, { limit: PAGE, cursor }, signal);
    ensureUsers(page.hits.map((h) => h.message.user_id));
    return page;
  });
}

export const fileKey = (q: string, n: number, type: string): string => `${type}\n${n}\n${q}`;

/** File hits for `q`, of one type (a media type or a prefix such as `image/`) or all. */
export function searchFiles(
  q: string,
  n: number,
  type: string,
  o: { more?: boolean; fresh?: boolean } = {},
): void {
  const key = fileKey(q, n, type);
  if (!o.more && !o.fresh && fileResults.value.key === key && fileResults.value.loaded) return;
  void fetchPage(fileResults, key, !!o.more, async (cursor, signal) => {
    const page = await endpoints.searchFiles(
      q,
      { type: type || undefined, limit: PAGE, cursor },
      signal,
    );
    ensureUsers(page.hits.map((h) => h.file.uploader_id));
    return page;
  });
}

// ---- where a hit is ----

/** Channels of other workspaces (search covers every conversation one is in), by id. */
export const foreignChannels = signal<Record<string, Channel | null>>({});
const asked = new Set<string>();

/** The channel a hit is in, from the sidebar or fetched once (null: not to be had). */
export function channelOf(id: string): Channel | null | undefined {
  const here = channels.value.find((c) => c.id === id);
  if (here) return here;
  if (!asked.has(id)) {
    asked.add(id);
    endpoints.channel(id).then(
      (ch) => (foreignChannels.value = { ...foreignChannels.value, [id]: ch }),
      () => (foreignChannels.value = { ...foreignChannels.value, [id]: null }),
    );
  }
  return foreignChannels.value[id];
}

/** Goes to the workspace a conversation is in, if it is not the one on screen. */
async function toWorkspaceOf(conv: ConvRef): Promise<void> {
  const w = workspace.value;
  if (conv.kind === "channel") {
    if (channels.value.some((c) => c.id === conv.id)) return;
    const ch = await endpoints.channel(conv.id);
    const target = workspaces.value.find((x) => x.id === ch.workspace_id);
    if (target && target.id !== w?.id) await selectWorkspace(target, conv);
    else if (!channels.value.some((c) => c.id === conv.id)) {
      channels.value = [...channels.value, ch];
    }
    return;
  }
  if (dms.value.some((d) => d.id === conv.id)) return;
  await refreshDms();
}

/**
 * Opens the conversation of a hit at the message: the history around it is loaded if need be,
 * it is scrolled to and flashed; a reply opens its thread beside it, scrolled to the reply.
 */
export async function showMessage(m: Message): Promise<void> {
  const conv = convOf(m);
  await toWorkspaceOf(conv);
  const root = m.parent_id ? await endpoints.message(m.parent_id) : m;
  requestFocus(m.parent_id ? [root.id, m.id] : [m.id], m.id);
  const around = loadAround(conv, root);
  open(conv);
  await around;
  if (m.parent_id) await openThread(root);
}
