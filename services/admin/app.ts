import { OpenAPIHono } from "@hono/zod-openapi";
import { defineService } from "@colink/runtime";

/** The admin service: moderation and audit log. */
export const adminService = defineService({
  name: "admin",
  needs: ["sql", "bus", "docs"],
  paths: [{ prefix: "/api/v1/admin", access: "caller" }],
  publishesEvents: true,
  routes: () => new OpenAPIHono(),
});
