import { defineService } from "@colink/runtime";
import { createProfileCache } from "./actions/profiles.ts";
import { usersRoutes } from "./routes/users_routes.ts";

/** The users service: profiles, status, directory. */
export const usersService = defineService({
  name: "users",
  needs: ["sql", "kv", "bus"],
  paths: [
    { prefix: "/api/v1/me", access: "caller" },
    { prefix: "/api/v1/users", access: "caller" },
  ],
  publishesEvents: true,
  routes: ({ infra, auth, eventsCommitted }) =>
    usersRoutes({ sql: infra.sql, cache: createProfileCache(infra.kv), eventsCommitted }, auth),
});
