import { defineService } from "@colink/runtime";
import { presenceRoutes } from "./routes/presence_routes.ts";

/** The presence service: who is online (the realtime gateway keeps the keys it reads). */
export const presenceService = defineService({
  name: "presence",
  needs: ["sql", "kv"],
  paths: [{ prefix: "/api/v1/presence", access: "caller" }],
  routes: ({ infra, auth }) => presenceRoutes({ sql: infra.sql, kv: infra.kv }, auth),
});
