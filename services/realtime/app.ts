import { defineService } from "@colink/runtime";
import { wsRoutes } from "./routes/ws_routes.ts";

/** The realtime service: WebSocket gateway with resumable per-user event streams. */
export const realtimeService = defineService({
  name: "realtime",
  needs: ["sql", "bus", "kv", "pubsub"],
  routes: ({ verifier, principals, logger }) => wsRoutes({ verifier, principals, logger }),
});
