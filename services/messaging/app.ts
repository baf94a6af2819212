import { OpenAPIHono } from "@hono/zod-openapi";
import { defineService } from "@colink/runtime";

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
  routes: () => new OpenAPIHono(),
});
