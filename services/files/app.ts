import { OpenAPIHono } from "@hono/zod-openapi";
import { defineService } from "@colink/runtime";

/** The files service: presigned uploads, virus scan, downloads. */
export const filesService = defineService({
  name: "files",
  needs: ["sql", "bus", "blobs", "docs", "scanner"],
  publishesEvents: true,
  routes: () => new OpenAPIHono(),
});
