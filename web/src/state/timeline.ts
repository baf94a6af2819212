import type { Message } from "../api/endpoints.ts";

/**
 * A message as the client holds it: the server's message, or a local echo of one being sent
 * (Zulip's web/src/echo.ts idea). A local echo has the id `local:<client_msg_id>` until the
 * server's copy, carrying the same client_msg_id, replaces it.
 */
export interface LocalMessage extends Message {
  local?: {
    state: "pending" | "failed";
    error?: string;
  };
}

export const localId = (clientMsgId: string): string => `local:${clientMsgId}`;
export const isLocal = (m: Pick<Message, "id">): boolean => m.id.startsWith("local:");

const time = (s: string | null | undefined) => (s ? Date.parse(s) : 0);

/**
 * Which copy of one message to keep when two arrive out of order (a late event after a fresher
 * REST answer): the content side follows whichever was edited or deleted last, and a deletion
 * is final; counters and reactions come from the copy that arrived last.
 */
export function reconcile(current: Message, incoming: Message): Message {
  if (current.deleted_at && !incoming.deleted_at) {
    return {
      ...incoming,
      content: current.content,
      deleted_at: current.deleted_at,
      edited_at: current.edited_at,
    };
  }
  if (time(incoming.edited_at) < time(current.edited_at)) {
    return {
      ...incoming,
      content: current.content,
      edited_at: current.edited_at,
      mentions: current.mentions,
    };
  }
  return incoming;
}

function order(a: LocalMessage, b: LocalMessage): number {
  // Echoes have no position yet: they stay below everything the server has ordered.
  const la = isLocal(a), lb = isLocal(b);
  if (la !== lb) return la ? 1 : -1;
  if (la) return time(a.created_at) - time(b.created_at);
  return a.seq - b.seq || time(a.created_at) - time(b.created_at);
}

/**
 * Adds or updates messages by id, idempotently: the same message applied twice (a REST answer
 * and its event, a poll and an event) is one message. A server message that carries the
 * client_msg_id of a local echo replaces that echo.
 */
export function mergeMessages(existing: LocalMessage[], incoming: Message[]): LocalMessage[] {
  if (!incoming.length) return existing;
  const byId = new Map(existing.map((m) => [m.id, m] as const));
  let changed = false;
  for (const m of incoming) {
    if (m.client_msg_id && byId.delete(localId(m.client_msg_id))) changed = true;
    const cur = byId.get(m.id);
    const next = cur ? reconcile(cur, m) : m;
    if (next !== cur) {
      byId.set(m.id, next);
      changed = true;
    }
  }
  return changed ? [...byId.values()].sort(order) : existing;
}

/** Replaces one message (or local echo) by id with `f(message)`; unknown ids change nothing. */
export function updateMessage(
  list: LocalMessage[],
  id: string,
  f: (m: LocalMessage) => LocalMessage | null,
): LocalMessage[] {
  const i = list.findIndex((m) => m.id === id);
  if (i < 0) return list;
  const next = f(list[i]!);
  if (next === list[i]) return list;
  const copy = [...list];
  if (next) copy[i] = next;
  else copy.splice(i, 1);
  return copy;
}

/** A reaction event applied to a message: adding twice or removing twice is harmless. */
export function applyReaction(
  m: Message,
  emoji: string,
  userId: string,
  added: boolean,
): Message {
  const reactions = m.reactions.map((r) => ({ ...r, user_ids: [...r.user_ids] }));
  let r = reactions.find((x) => x.emoji === emoji);
  const has = r?.user_ids.includes(userId) ?? false;
  if (added === has) return m;
  if (added) {
    if (!r) reactions.push(r = { emoji, count: 0, user_ids: [] });
    r.user_ids.push(userId);
  } else {
    r!.user_ids = r!.user_ids.filter((u) => u !== userId);
  }
  r!.count = r!.user_ids.length;
  return { ...m, reactions: reactions.filter((x) => x.count > 0) };
}

/** The newest message the server has ordered (what a read marker may point at). */
export function newestServerMessage(list: LocalMessage[]): LocalMessage | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (!isLocal(list[i]!)) return list[i];
  return undefined;
}

export function oldestServerMessage(list: LocalMessage[]): LocalMessage | undefined {
  return list.find((m) => !isLocal(m));
}
