import { OpenAPIHono } from "@hono/zod-openapi";
import { defineService } from "@colink/runtime";

/** The messaging service: messages, threads, reactions. */
export const messagingService = defineService({
  name: "messaging",
  needs: ["sql", "bus", "kv"],
  publishesEvents: true,
  routes: () => new OpenAPIHono(),
});
