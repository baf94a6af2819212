import { OpenAPIHono } from "@hono/zod-openapi";
import { defineService } from "@colink/runtime";

/** The users service: profiles, status, directory. */
export const usersService = defineService({
  name: "users",
  needs: ["sql", "kv"],
  routes: () => new OpenAPIHono(),
});
