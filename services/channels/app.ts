import { OpenAPIHono } from "@hono/zod-openapi";
import { defineService } from "@colink/runtime";

/** The channels service: workspaces, channels, membership, DMs. */
export const channelsService = defineService({
  name: "channels",
  needs: ["sql", "bus", "kv"],
  paths: [
    { prefix: "/api/v1/workspaces", access: "caller" },
    { prefix: "/api/v1/channels", access: "caller" },
    { prefix: "/api/v1/dms", access: "caller" },
  ],
  publishesEvents: true,
  routes: () => new OpenAPIHono(),
});
