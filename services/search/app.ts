import { OpenAPIHono } from "@hono/zod-openapi";
import { defineService } from "@colink/runtime";

/** The search service: message search. */
export const searchService = defineService({
  name: "search",
  needs: ["sql", "bus"],
  paths: [{ prefix: "/api/v1/search", access: "caller" }],
  routes: () => new OpenAPIHono(),
});
