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

Deno.test("scripts come only from this origin, the API docs page included", async () => {
  for (const path of ["/docs", "/api/v1/me"]) {
    const csp = (await app(false).request(path)).headers.get("content-security-policy") ?? "";
    assert.match(csp, /script-src 'self'(;|$)/, path);
  }
});

Deno.test("the object store's origin may be connected to and shown, and nothing else is added", async () => {
  const a = new Hono();
  a.use("*", edgeHeaders({ production: true, storeOrigin: "https://files.example.com" }));
  a.get("/*", (c) => c.text("ok"));
  const csp = (await a.request("/")).headers.get("content-security-policy") ?? "";
  assert.match(csp, /connect-src 'self' https:\/\/files\.example\.com(;|$)/);
  assert.match(csp, /img-src [^;]*https:\/\/files\.example\.com/);
  assert.match(csp, /script-src 'self'(;|$)/);
  const plain = (await app(true).request("/")).headers.get("content-security-policy") ?? "";
  assert.match(plain, /connect-src 'self'(;|$)/);
});
