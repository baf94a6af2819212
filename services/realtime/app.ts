import { OpenAPIHono } from "@hono/zod-openapi";
import { defineService } from "@colink/runtime";

/** The realtime service: WebSocket gateway: resumable per-user event streams. */
export const realtimeService = defineService({
  name: "realtime",
  needs: ["sql", "bus", "kv", "pubsub"],
  routes: () => new OpenAPIHono(),
});
