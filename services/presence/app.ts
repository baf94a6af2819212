import { OpenAPIHono } from "@hono/zod-openapi";
import { defineService } from "@colink/runtime";

/** The presence service: presence and typing. */
export const presenceService = defineService({
  name: "presence",
  needs: ["kv", "pubsub", "bus"],
  paths: [{ prefix: "/api/v1/presence", access: "caller" }],
  routes: () => new OpenAPIHono(),
});
