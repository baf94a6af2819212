import { createChatDeps } from "@colink/conversations";
import { defineService } from "@colink/runtime";
import { pruneIdempotencyKeys } from "./actions/housekeeping.ts";
import { createSendQueue } from "./actions/send_queue.ts";
import { messagesRoutes } from "./routes/messages_routes.ts";

/** The messaging service: messages, threads, reactions. */
export const messagingService = defineService({
  name: "messaging",
  needs: ["sql", "bus", "kv"],
  paths: [
    { prefix: "/api/v1/channels/*/messages", access: "caller" },
    { prefix: "/api/v1/dms/*/messages", access: "caller" },
    { prefix: "/api/v1/messages", access: "caller" },
  ],
  publishesEvents: true,
  background: ({ infra, logger }) => pruneIdempotencyKeys(infra.sql, logger),
  routes: ({ infra, auth, eventsCommitted }) => {
    const d = createChatDeps({ sql: infra.sql, kv: infra.kv, eventsCommitted });
    // PGlite runs one transaction at a time: concurrent batches would only queue behind each
    // other one message at a time, where one in flight lets the next batch gather everything.
    const concurrency = infra.sql.kind === "pglite" ? 1 : 4;
    return messagesRoutes(d, createSendQueue(d, { concurrency }), auth);
  },
});
