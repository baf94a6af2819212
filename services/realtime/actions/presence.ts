import type { Principal } from "@colink/auth";
import type { Logger } from "@colink/http";
import { makeEvent } from "@colink/contracts";
import {
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  type EventBus,
  type KeyValue,
  type PubSub,
} from "@colink/platform";
import { lastSeenKey, presenceKey } from "@colink/conversations";
import type { ConnectionSubscriber } from "./connection.ts";
import type { Hub } from "./hub.ts";

/** Presence lives this long without a heartbeat (a crashed instance's users go offline). */
export const PRESENCE_TTL_MS = 60_000;
/** Typing shows this long after the last keystroke frame (the seed's 5 seconds). */
export const TYPING_TTL_MS = 5_000;
/** A connection with no activity for this long counts as away. */
export const AWAY_AFTER_MS = 10 * 60_000;
const TYPING_CHANNEL = "realtime:typing";
const PRESENCE_CHANNEL = "realtime:presence";

export type PresenceStatus = "online" | "away" | "offline";

/**
 * Presence and typing: ephemeral, best effort, dropped first under pressure. A user is online
 * while any of their connections is (multi-device), away when all of theirs are away, offline
 * when the last one closes or the key's TTL lapses (an instance that crashed stops refreshing
 * it). Changes and typing go to the other instances over pub/sub; with Redis down presence
 * degrades (reads offline) while messages keep flowing.
 */
export interface Presence {
  onConnect(p: Principal, sub: ConnectionSubscriber): void;
  onDisconnect(p: Principal, sub: ConnectionSubscriber): void;
  onPresence(p: Principal, status: "online" | "away", sub: ConnectionSubscriber): void;
  onTyping(p: Principal, channelId: string): void;
  stop(): Promise<void>;
}

export function createPresence(
  o: { kv: KeyValue; pubsub: PubSub; hub: Hub; logger: Logger; bus?: EventBus },
): Presence {
  const local = new Map<string, Set<ConnectionSubscriber>>();
  const typingThrottle = new Map<string, number>();
  const tolerate = (what: string) => (e: unknown) =>
    o.logger.warn(`presence: ${what} failed`, { err: e });

  const statusOf = (userId: string): PresenceStatus => {
    const subs = local.get(userId);
    if (!subs?.size) return "offline";
    return [...subs].some((s) => s.status === "online") ? "online" : "away";
  };

  async function store(userId: string) {
    const status = statusOf(userId);
    const before = await o.kv.get(presenceKey(userId)).catch(() => null);
    if (status === "offline") {
      await o.kv.del(presenceKey(userId));
      await o.kv.set(lastSeenKey(userId), new Date().toISOString());
    } else {
      await o.kv.set(presenceKey(userId), status, { ttlMs: PRESENCE_TTL_MS });
    }
    if ((before ?? "offline") !== status) {
      await o.pubsub.publish(PRESENCE_CHANNEL, JSON.stringify({ user_id: userId, status }));
      // The seed's topic, for consumers beyond the sockets (analytics); ephemeral, so straight
      // to the bus rather than through the outbox.
      const ev = makeEvent("presence.updated", userId, {
        user_id: userId,
        status,
        timestamp: new Date().toISOString(),
      });
      await o.bus?.publish([{
        topic: ev.type,
        key: userId,
        value: JSON.stringify(ev),
        headers: { [EVENT_ID_HEADER]: ev.id, [EVENT_TYPE_HEADER]: ev.type },
      }]);
    }
  }

  const heartbeat = setInterval(() => {
    const idleSince = Date.now() - AWAY_AFTER_MS;
    for (const [userId, subs] of local) {
      // Nobody touched any of this user's clients for a while: away, like Slack's 10 minutes.
      const idle = [...subs].filter((s) => s.status === "online" && s.activeAt < idleSince);
      if (idle.length) {
        idle.forEach((s) => (s.status = "away"));
        store(userId).catch(tolerate("storing"));
      }
    }
    for (const userId of local.keys()) {
      const status = statusOf(userId);
      if (status !== "offline") {
        o.kv.set(presenceKey(userId), status, { ttlMs: PRESENCE_TTL_MS }).catch(() => {});
      }
    }
  }, PRESENCE_TTL_MS / 3);
  Deno.unrefTimer(heartbeat);

  const subscriptions = Promise.all([
    o.pubsub.subscribe(TYPING_CHANNEL, (raw) => {
      const t = JSON.parse(raw) as { channel_id: string; user_id: string };
      for (const s of o.hub.ofConversation(t.channel_id)) {
        if (s.userId !== t.user_id) {
          (s as ConnectionSubscriber).ephemeral?.({ type: "event", event: "typing", data: t });
        }
      }
    }),
    o.pubsub.subscribe(PRESENCE_CHANNEL, (raw) => {
      const p = JSON.parse(raw) as { user_id: string; status: PresenceStatus };
      // Everyone connected here who shares a conversation with them hears it.
      const told = new Set<ConnectionSubscriber>();
      for (const mine of o.hub.ofUser(p.user_id)) {
        for (const c of mine.conversations) {
          for (const s of o.hub.ofConversation(c)) told.add(s as ConnectionSubscriber);
        }
      }
      for (const s of told) s.ephemeral?.({ type: "event", event: "presence.updated", data: p });
    }),
  ]).catch((e) => {
    tolerate("subscribing")(e);
    return [];
  });

  return {
    onConnect(p: Principal, sub: ConnectionSubscriber) {
      let set = local.get(p.userId);
      if (!set) local.set(p.userId, set = new Set());
      set.add(sub);
      store(p.userId).catch(tolerate("storing"));
    },
    onDisconnect(p: Principal, sub: ConnectionSubscriber) {
      const set = local.get(p.userId);
      set?.delete(sub);
      if (!set?.size) local.delete(p.userId);
      store(p.userId).catch(tolerate("storing"));
    },
    onPresence(p: Principal, status: "online" | "away", sub: ConnectionSubscriber) {
      sub.status = status;
      store(p.userId).catch(tolerate("storing"));
    },
    onTyping(p: Principal, channelId: string) {
      const key = `${p.userId}:${channelId}`;
      const now = Date.now();
      // One frame per user and channel per 3 s: clients show typing for 5 s after the last one.
      if ((typingThrottle.get(key) ?? 0) > now - 3_000) return;
      typingThrottle.set(key, now);
      if (typingThrottle.size > 50_000) typingThrottle.clear();
      o.pubsub.publish(TYPING_CHANNEL, JSON.stringify({ channel_id: channelId, user_id: p.userId }))
        .catch(tolerate("typing"));
    },
    async stop() {
      clearInterval(heartbeat);
      for (const unsubscribe of await subscriptions) await unsubscribe().catch(() => {});
    },
  };
}
