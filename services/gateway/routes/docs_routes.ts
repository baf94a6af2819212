import { swaggerUI } from "@hono/swagger-ui";
import { OpenAPIHono } from "@hono/zod-openapi";

/** GET /docs: an API explorer over this process's generated /openapi.json. */
export function docsRoutes(): OpenAPIHono {
  const app = new OpenAPIHono();
  app.get("/docs", swaggerUI({ url: "/openapi.json", title: "CoLink API" }));
  return app;
}
