import type { KeyValue, Sql } from "@colink/platform";
import { conversationDirectory } from "./directory.ts";
import type { OnlineFilter } from "./mentions.ts";
import type { ChatDeps } from "./unit_of_work.ts";

/**
 * The presence key of a user ("online" or "away" while they have a live connection; absent
 * otherwise). The realtime gateway's presence tracking writes it.
 */
export const presenceKey = (userId: string): string => `presence:${userId}`;
/** When the user's last connection closed (ISO time). */
export const lastSeenKey = (userId: string): string => `presence:seen:${userId}`;

/** Members whose presence is online right now (for @here). */
export function onlineFromPresence(kv: KeyValue): OnlineFilter {
  return async (ids) => {
    const states = await Promise.all(ids.map((id) => kv.get(presenceKey(id)).catch(() => null)));
    return ids.filter((_, i) => states[i] === "online");
  };
}

/** The conversation actions' dependencies as a service wires them. */
export function createChatDeps(o: {
  sql: Sql;
  kv: KeyValue;
  eventsCommitted: () => void;
  now?: () => Date;
}): ChatDeps {
  return {
    sql: o.sql,
    directory: conversationDirectory(o.sql, o.kv),
    now: o.now ?? (() => new Date()),
    online: onlineFromPresence(o.kv),
    eventsCommitted: o.eventsCommitted,
  };
}
