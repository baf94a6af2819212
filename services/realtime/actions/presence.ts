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
import {
  PRESENCE_FIELD_TTL_MS,
  type PresenceStatus,
  readPresenceRecord,
  writeInstancePresence,
} from "@colink/conversations";
import type { ConnectionSubscriber } from "./connection.ts";
import type { Hub } from "./hub.ts";

/** Typing shows this long after the last keystroke frame (the seed's 5 seconds). */
export const TYPING_TTL_MS = 5_000;
/** A connection with no activity for this long counts as away. */
export const AWAY_AFTER_MS = 10 * 60_000;
const TYPING_CHANNEL = "realtime:typing";
const PRESENCE_CHANNEL = "realtime:presence";

/**
 * Presence and typing: ephemeral, best effort, dropped first under pressure. A user is online
 * while any of their connections on any instance is (multi-device), away when all are away,
 * offline when the last one closes or the instances holding them stop refreshing (a crashed
 * instance's entries lapse: see presence_record.ts). Each instance records only its own share of
 * a user; everyone reads the combination. A change is announced over pub/sub with the user's
 * workspaces, and every instance tells its sockets of people who share one of them. With Redis
 * down presence degrades (reads offline) while messages keep flowing.
 */
export interface Presence {
  onConnect(p: Principal, sub: ConnectionSubscriber): void;
  onDisconnect(p: Principal, sub: ConnectionSubscriber): void;
  onPresence(p: Principal, status: "online" | "away", sub: ConnectionSubscriber): void;
  onTyping(p: Principal, channelId: string): void;
  stop(): Promise<void>;
}

export function createPresence(
  o: {
    kv: KeyValue;
    pubsub: PubSub;
    hub: Hub;
    logger: Logger;
    bus?: EventBus;
    /** The workspaces a user belongs to (who may hear of their presence). */
    workspacesOf(userId: string): Promise<string[]>;
  },
): Presence {
  const instanceId = crypto.randomUUID();
  const local = new Map<string, Set<ConnectionSubscriber>>();
  /** The workspaces of the users connected here, loaded when they connect. */
  const workspaces = new Map<string, Promise<Set<string>>>();
  const workspacesOf = (userId: string) => {
    let w = workspaces.get(userId);
    if (!w) {
      w = o.workspacesOf(userId).then((ids) => new Set(ids)).catch(() => new Set<string>());
      workspaces.set(userId, w);
    }
    return w;
  };
  const typingThrottle = new Map<string, number>();
  const tolerate = (what: string) => (e: unknown) =>
    o.logger.warn(`presence: ${what} failed`, { err: e });

  const statusOf = (userId: string): PresenceStatus => {
    const subs = local.get(userId);
    if (!subs?.size) return "offline";
    return [...subs].some((s) => s.status === "online") ? "online" : "away";
  };

  async function store(userId: string) {
    const before = (await readPresenceRecord(o.kv, userId)).status;
    await writeInstancePresence(o.kv, userId, instanceId, statusOf(userId));
    const status = (await readPresenceRecord(o.kv, userId)).status;
    if (before !== status) {
      const workspace_ids = [...await workspacesOf(userId)];
      await o.pubsub.publish(
        PRESENCE_CHANNEL,
        JSON.stringify({ user_id: userId, status, workspace_ids }),
      );
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
      writeInstancePresence(o.kv, userId, instanceId, statusOf(userId)).catch(() => {});
    }
  }, PRESENCE_FIELD_TTL_MS / 3);
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
    o.pubsub.subscribe(PRESENCE_CHANNEL, async (raw) => {
      const p = JSON.parse(raw) as {
        user_id: string;
        status: PresenceStatus;
        workspace_ids: string[];
      };
      const frame = {
        type: "event" as const,
        event: "presence.updated",
        data: { user_id: p.user_id, status: p.status },
      };
      // Everyone connected here who shares a workspace with them hears it.
      for (const userId of local.keys()) {
        const theirs = await workspacesOf(userId);
        if (!p.workspace_ids.some((w) => theirs.has(w))) continue;
        for (const s of local.get(userId) ?? []) s.ephemeral?.(frame);
      }
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
      if (!set?.size) {
        local.delete(p.userId);
        // Workspaces are re-read on the next connect (they may have changed meanwhile).
        workspaces.delete(p.userId);
      }
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
      // This instance's users are not here any more: say so rather than wait for the expiry.
      await Promise.all(
        [...local.keys()].map((u) => {
          local.delete(u);
          return store(u).catch(() => {});
        }),
      );
      for (const unsubscribe of await subscriptions) await unsubscribe().catch(() => {});
    },
  };
}
