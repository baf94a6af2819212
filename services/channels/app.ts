import { OpenAPIHono } from "@hono/zod-openapi";
import { defineService } from "@colink/runtime";

/** The channels service: workspaces, channels, membership, DMs. */
export const channelsService = defineService({
  name: "channels",
  needs: ["sql", "bus", "kv"],
  publishesEvents: true,
  routes: () => new OpenAPIHono(),
});
