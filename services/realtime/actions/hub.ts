import type { StreamRow } from "./event_log.ts";

/** A connection as the hub sees it: whose it is, which conversations it follows. */
export interface Subscriber {
  readonly userId: string;
  readonly conversations: Set<string>;
  /** False while it catches up from the log: live dispatch skips it meanwhile. */
  live: boolean;
  /** Queues an event for the client (skipping positions it already has). */
  push(row: StreamRow): void;
  /** Drops what is queued and not yet sent for a conversation (removal takes effect at once). */
  purge(conversationId: string): void;
}

/** How an event changes one user's memberships. */
export function membershipChange(
  row: StreamRow,
  userId: string,
): { join?: string; leave?: string } {
  const d = row.event.data as { user_id?: string; participant_ids?: string[] };
  switch (row.topic) {
    case "channel.created":
    case "channel.member_joined":
      return d.user_id === userId ? { join: row.aggregate_id } : {};
    case "dm.created":
      return d.participant_ids?.includes(userId) ? { join: row.aggregate_id } : {};
    case "channel.member_left":
      return d.user_id === userId ? { leave: row.aggregate_id } : {};
    default:
      return {};
  }
}

/** The users whose memberships an event changes (they may not follow the conversation yet). */
function affectedUsers(row: StreamRow): string[] {
  const d = row.event.data as { user_id?: string; participant_ids?: string[] };
  if (row.topic === "dm.created") return d.participant_ids ?? [];
  if (row.topic.startsWith("channel.member_") || row.topic === "channel.created") {
    return d.user_id ? [d.user_id] : [];
  }
  return [];
}

/**
 * This instance's connections, indexed by conversation and by user, and the one rule for who
 * gets an event: members of its conversation (memberships follow the stream itself: a join
 * starts the flow with the join, a removal delivers the removal and stops everything after it,
 * including what was queued), plus the user it is addressed to.
 */
export class Hub {
  readonly #byConv = new Map<string, Set<Subscriber>>();
  readonly #byUser = new Map<string, Set<Subscriber>>();

  get size(): number {
    let n = 0;
    for (const s of this.#byUser.values()) n += s.size;
    return n;
  }

  add(sub: Subscriber): void {
    index(this.#byUser, sub.userId, sub);
    for (const c of sub.conversations) index(this.#byConv, c, sub);
  }

  remove(sub: Subscriber): void {
    unindex(this.#byUser, sub.userId, sub);
    for (const c of sub.conversations) unindex(this.#byConv, c, sub);
  }

  /** Users with a socket on this instance. */
  users(): string[] {
    return [...this.#byUser.keys()];
  }

  /** Sockets of a user on this instance (ephemeral frames, closing on ban). */
  ofUser(userId: string): ReadonlySet<Subscriber> {
    return this.#byUser.get(userId) ?? new Set();
  }

  /** Sockets following a conversation on this instance. */
  ofConversation(conversationId: string): ReadonlySet<Subscriber> {
    return this.#byConv.get(conversationId) ?? new Set();
  }

  /** Live dispatch of new rows, in position order. */
  dispatch(rows: readonly StreamRow[]): void {
    for (const row of rows) {
      const targets = new Set<Subscriber>(this.#byConv.get(row.aggregate_id));
      if (row.recipient_id) this.#byUser.get(row.recipient_id)?.forEach((s) => targets.add(s));
      for (const u of affectedUsers(row)) this.#byUser.get(u)?.forEach((s) => targets.add(s));
      for (const sub of targets) if (sub.live) this.apply(sub, row);
    }
  }

  /** What one event means for one subscriber (live dispatch and catch-up alike). */
  apply(sub: Subscriber, row: StreamRow): void {
    const change = membershipChange(row, sub.userId);
    if (change.join && !sub.conversations.has(change.join)) {
      sub.conversations.add(change.join);
      index(this.#byConv, change.join, sub);
    }
    if (sub.conversations.has(row.aggregate_id) || row.recipient_id === sub.userId) {
      if (change.leave) sub.purge(change.leave);
      sub.push(row);
    }
    if (change.leave && sub.conversations.delete(change.leave)) {
      unindex(this.#byConv, change.leave, sub);
    }
  }
}

function index(m: Map<string, Set<Subscriber>>, k: string, s: Subscriber) {
  let set = m.get(k);
  if (!set) m.set(k, set = new Set());
  set.add(s);
}

function unindex(m: Map<string, Set<Subscriber>>, k: string, s: Subscriber) {
  const set = m.get(k);
  if (!set) return;
  set.delete(s);
  if (!set.size) m.delete(k);
}
