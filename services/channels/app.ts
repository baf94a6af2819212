import { createChatDeps } from "@colink/conversations";
import { defineService } from "@colink/runtime";
import { channelsRoutes } from "./routes/channels_routes.ts";

/** The channels service: workspaces, channels, membership, DMs, read markers. */
export const channelsService = defineService({
  name: "channels",
  needs: ["sql", "bus", "kv"],
  paths: [
    { prefix: "/api/v1/workspaces", access: "caller" },
    { prefix: "/api/v1/channels", access: "caller" },
    { prefix: "/api/v1/dms", access: "caller" },
  ],
  publishesEvents: true,
  routes: ({ infra, auth, eventsCommitted }) =>
    channelsRoutes(createChatDeps({ sql: infra.sql, kv: infra.kv, eventsCommitted }), auth),
});
