import assert from "node:assert/strict";
import { Hono } from "hono";
import { edgeHeaders } from "./edge_headers.ts";

function app(production: boolean) {
  const a = new Hono();
  a.use("*", edgeHeaders({ production }));
  a.get("/*", (c) => c.text("ok"));
  return a;
}

Deno.test("HSTS is sent in production and never in development", async () => {
  const prod = await app(true).request("/api/v1/me");
  assert.match(
    prod.headers.get("strict-transport-security") ?? "",
    /max-age=31536000; includeSubDomains/,
  );
  const dev = await app(false).request("/api/v1/me");
  assert.equal(dev.headers.get("strict-transport-security"), null);
});

Deno.test("only /docs may load scripts from the Swagger UI CDN", async () => {
  const docs = (await app(false).request("/docs")).headers.get("content-security-policy") ?? "";
  assert.match(docs, /script-src[^;]*https:\/\/cdn\.jsdelivr\.net/);
  const api = (await app(false).request("/api/v1/me")).headers.get("content-security-policy") ?? "";
  assert.doesNotMatch(api, /cdn\.jsdelivr\.net/);
  assert.match(api, /script-src 'self'/);
});
