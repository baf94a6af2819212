import { OpenAPIHono } from "@hono/zod-openapi";
import { defineService } from "@colink/runtime";

/** The presence service: presence and typing. */
export const presenceService = defineService({
  name: "presence",
  needs: ["kv", "pubsub", "bus"],
  routes: () => new OpenAPIHono(),
});
