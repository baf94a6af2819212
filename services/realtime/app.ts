import { defineService } from "@colink/runtime";
import { wsRoutes } from "./routes/ws_routes.ts";

/** The realtime service: WebSocket gateway with resumable per-user event streams. */
export const realtimeService = defineService({
  name: "realtime",
  needs: ["sql", "bus", "kv", "pubsub"],
  // The socket authenticates in its first frame; the cookie is honoured on the upgrade.
  paths: [{ prefix: "/ws", access: "session" }],
  routes: ({ verifier, principals, logger }) => wsRoutes({ verifier, principals, logger }),
});
