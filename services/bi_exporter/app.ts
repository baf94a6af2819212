import { OpenAPIHono } from "@hono/zod-openapi";
import { defineService } from "@colink/runtime";

/** The bi-exporter service: analytics export. */
export const biExporterService = defineService({
  name: "bi-exporter",
  needs: ["sql", "docs"],
  routes: () => new OpenAPIHono(),
});
