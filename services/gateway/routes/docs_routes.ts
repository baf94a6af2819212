import { OpenAPIHono } from "@hono/zod-openapi";
import bundle from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "text" };
import css from "swagger-ui-dist/swagger-ui.css" with { type: "text" };

// Served from this process (bundled from npm), so the explorer works on networks without
// internet access and under the same strict Content-Security-Policy as everything else.
const INIT =
  `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
  persistAuthorization: true, tryItOutEnabled: true });`;
const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>CoLink API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script><script src="/docs/assets/init.js"></script></body></html>`;

const assets: Record<string, [string, string]> = {
  "swagger-ui.css": [css, "text/css; charset=utf-8"],
  "swagger-ui-bundle.js": [bundle, "text/javascript; charset=utf-8"],
  "init.js": [INIT, "text/javascript; charset=utf-8"],
};

/** GET /docs: Swagger UI over this process's generated /openapi.json. */
export function docsRoutes(): OpenAPIHono {
  const app = new OpenAPIHono();
  app.get("/docs", (c) => c.html(PAGE));
  app.get("/docs/assets/:name", (c) => {
    const asset = assets[c.req.param("name")];
    if (!asset) return c.notFound();
    return c.body(asset[0], 200, {
      "content-type": asset[1],
      "cache-control": "public, max-age=86400",
    });
  });
  return app;
}
