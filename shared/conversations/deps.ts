import type { KeyValue, Sql } from "@colink/platform";
import { conversationDirectory } from "./directory.ts";
import type { OnlineFilter } from "./mentions.ts";
import { readPresenceRecord } from "./presence_record.ts";
import type { ChatDeps } from "./unit_of_work.ts";

/** Members whose presence is online right now (for @here). */
export function onlineFromPresence(kv: KeyValue): OnlineFilter {
  return async (ids) => {
    const states = await Promise.all(ids.map((id) => readPresenceRecord(kv, id)));
    return ids.filter((_, i) => states[i]!.status === "online");
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
