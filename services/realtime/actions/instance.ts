import type { Logger } from "@colink/http";
import type { EventBus, KeyValue, PubSub, Sql } from "@colink/platform";
import { WS_CLOSE } from "@colink/contracts";
import type { ConnectionSubscriber, Streaming } from "./connection.ts";
import { createStreamTail, sqlEventLog, type StreamRow } from "./event_log.ts";
import { Hub } from "./hub.ts";
import { createPresence } from "./presence.ts";

const isBan = (row: StreamRow) => {
  const d = row.event.data as { action_type?: string; lifted?: string };
  return row.topic === "moderation.action" && d.action_type === "ban" && !d.lifted &&
    row.recipient_id !== null;
};

/** One realtime instance: its connections, its tail of the stream, presence and typing. */
export interface RealtimeInstance {
  streaming: Streaming;
  /** True from the moment stop() begins: new sockets are refused so clients go elsewhere. */
  readonly stopping: boolean;
  start(): Promise<void>;
  /** Closes every socket with 1012 (clients resume elsewhere), then stops following. */
  stop(): Promise<void>;
}

export function createRealtimeInstance(o: {
  sql: Sql;
  kv: KeyValue;
  pubsub: PubSub;
  bus?: EventBus;
  logger: Logger;
}): RealtimeInstance {
  const hub = new Hub();
  const log = sqlEventLog(o.sql);
  const tail = createStreamTail({
    log,
    pubsub: o.pubsub,
    logger: o.logger,
    onRows: (rows) => {
      hub.dispatch(rows);
      for (const row of rows) if (isBan(row)) closeBannedSockets(row.recipient_id!);
    },
  });
  /**
   * A banned user's sockets close on every instance as soon as the ban reaches its stream (the
   * moderation.action frame first, so the client can say why). 4401: the credentials are no
   * longer good, signing in again will not help until the ban is lifted.
   */
  const closeBannedSockets = (userId: string) => {
    setTimeout(() => {
      for (const s of hub.ofUser(userId)) {
        (s as ConnectionSubscriber).closeWith(WS_CLOSE.unauthenticated, "account banned");
      }
    }, 50);
  };
  const presence = createPresence({
    kv: o.kv,
    pubsub: o.pubsub,
    bus: o.bus,
    hub,
    logger: o.logger,
    workspacesOf: async (userId) =>
      (await o.sql.query<{ id: string }>(
        "select workspace_id::text as id from workspace_members where user_id = $1",
        [userId],
      )).map((r) => r.id),
  });
  let started: Promise<void> | undefined;
  let stopping = false;
  const streaming: Streaming = {
    hub,
    tail,
    log,
    async conversations(userId) {
      // Sockets can arrive before the tail has read the head: wait for it, then load.
      await (started ??= tail.start());
      const rows = await o.sql.query<{ id: string }>(
        `select channel_id::text as id from channel_members where user_id = $1
         union all select dm_id::text from dm_participants where user_id = $1`,
        [userId],
      );
      return rows.map((r) => r.id);
    },
    onTyping: (p, conversationId) => presence.onTyping(p, conversationId),
    onPresence: (p, status, sub) => presence.onPresence(p, status, sub),
    onConnect: (p, sub) => presence.onConnect(p, sub),
    onDisconnect: (p, sub) => presence.onDisconnect(p, sub),
  };
  return {
    streaming,
    get stopping() {
      return stopping;
    },
    async start() {
      await (started ??= tail.start());
    },
    async stop() {
      stopping = true;
      const all = new Set<ConnectionSubscriber>();
      for (const userId of hub.users()) {
        hub.ofUser(userId).forEach((s) => all.add(s as ConnectionSubscriber));
      }
      for (const s of all) s.closeWith(WS_CLOSE.restarting, "server restarting; resume");
      // Wait for the close handshakes before the HTTP server shuts down, which would close what
      // is left with 1001 instead of 1012 (at 10k sockets a fixed pause was not enough); a peer
      // that never answers is not waited for past the deadline.
      if (all.size) {
        let deadline: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          Promise.all([...all].map((s) => s.socketClosed)),
          new Promise((r) => (deadline = setTimeout(r, 5_000))),
        ]);
        clearTimeout(deadline);
      }
      await presence.stop();
      if (started) await tail.stop();
    },
  };
}
