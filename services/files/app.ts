import { OpenAPIHono } from "@hono/zod-openapi";
import { defineService } from "@colink/runtime";

/** The files service: presigned uploads, virus scan, downloads. */
export const filesService = defineService({
  name: "files",
  needs: ["sql", "bus", "blobs", "docs", "scanner"],
  paths: [{ prefix: "/api/v1/files", access: "caller" }],
  publishesEvents: true,
  routes: () => new OpenAPIHono(),
});
