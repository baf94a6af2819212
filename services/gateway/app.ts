import { OpenAPIHono } from "@hono/zod-openapi";
import { defineService } from "@colink/runtime";

/** The gateway: authentication, rate limits, routing and the merged OpenAPI document. */
export const gatewayService = defineService({
  name: "gateway",
  needs: ["sql", "kv"],
  routes: () => new OpenAPIHono(),
});
