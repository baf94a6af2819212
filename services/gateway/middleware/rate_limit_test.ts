import assert from "node:assert/strict";
import { Hono } from "hono";
import type { TokenVerifier } from "@colink/auth";
import { createServiceApp, silentLogger } from "@colink/http";
import { createMemoryKeyValue, type KeyValue } from "@colink/platform";
import { rateLimit } from "./rate_limit.ts";

const verifier: TokenVerifier = {
  verify: (token) =>
    token.startsWith("user-")
      ? Promise.resolve({
        sub: token,
        username: token,
        realmRoles: [],
        expiresAt: new Date(Date.now() + 60_000),
      })
      : Promise.reject(new Error("bad token")),
};
const limits = { readsPerMin: 3, writesPerMin: 2, ipPerMin: 50, loginPerMin: 2 };

// The start of a minute, so the window resets in exactly 60 s.
const MINUTE_START = 60_000 * 16_666_667;

function makeApp(kv: KeyValue, now = () => MINUTE_START) {
  const app = createServiceApp({
    name: "t",
    logger: silentLogger,
    middleware: [rateLimit({ kv, limits, verifier, trustProxy: true, logger: silentLogger, now })],
  });
  const routes = new Hono();
  routes.get("/api/v1/things", (c) => c.json({ ok: true }));
  routes.post("/api/v1/things", (c) => c.json({ ok: true }, 201));
  routes.post("/realms/colink/protocol/openid-connect/token", (c) => c.json({ ok: true }));
  app.route("/", routes);
  return app;
}

const as = (user: string, method = "GET", ip = "10.0.0.1") => ({
  method,
  headers: { authorization: `Bearer ${user}`, "x-forwarded-for": ip },
});

Deno.test("per-user reads: the 4th read in a minute is a 429 with Retry-After and X-RateLimit-*", async () => {
  const app = makeApp(createMemoryKeyValue());
  for (let i = 3; i >= 1; i--) {
    const res = await app.request("/api/v1/things", as("user-a"));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-ratelimit-limit"), "3");
    assert.equal(res.headers.get("x-ratelimit-remaining"), String(i - 1));
  }
  const limited = await app.request("/api/v1/things", as("user-a"));
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), "60");
  assert.equal(limited.headers.get("x-ratelimit-remaining"), "0");
  assert.equal((await limited.json()).error.code, "rate_limited");
  assert.equal(
    (await app.request("/api/v1/things", as("user-b"))).status,
    200,
    "another user has a budget of their own",
  );
});

Deno.test("per-user writes have their own, smaller budget", async () => {
  const app = makeApp(createMemoryKeyValue());
  assert.equal((await app.request("/api/v1/things", as("user-a", "POST"))).status, 201);
  assert.equal((await app.request("/api/v1/things", as("user-a", "POST"))).status, 201);
  assert.equal((await app.request("/api/v1/things", as("user-a", "POST"))).status, 429);
  assert.equal(
    (await app.request("/api/v1/things", as("user-a"))).status,
    200,
    "reads are counted apart",
  );
});

Deno.test("logins are limited per IP, more strictly than other requests", async () => {
  const app = makeApp(createMemoryKeyValue());
  const login = (ip: string) =>
    app.request("/realms/colink/protocol/openid-connect/token", as("nobody", "POST", ip));
  assert.equal((await login("10.0.0.9")).status, 200);
  assert.equal((await login("10.0.0.9")).status, 200);
  assert.equal((await login("10.0.0.9")).status, 429);
  assert.equal((await login("10.0.0.8")).status, 200);
});

Deno.test("a new minute brings a new budget", async () => {
  let now = MINUTE_START;
  const app = makeApp(createMemoryKeyValue(), () => now);
  for (let i = 0; i < 3; i++) await app.request("/api/v1/things", as("user-a"));
  assert.equal((await app.request("/api/v1/things", as("user-a"))).status, 429);
  now += 60_000;
  assert.equal((await app.request("/api/v1/things", as("user-a"))).status, 200);
});

Deno.test("with the KV store down, requests are served and limits still hold per replica", async () => {
  const down = createMemoryKeyValue();
  down.incr = () => Promise.reject(new Error("ECONNREFUSED"));
  const app = makeApp(down);
  for (let i = 0; i < 3; i++) {
    assert.equal((await app.request("/api/v1/things", as("user-a"))).status, 200);
  }
  assert.equal((await app.request("/api/v1/things", as("user-a"))).status, 429);
});

Deno.test("health, readiness and metrics are never rate limited", async () => {
  const app = makeApp(createMemoryKeyValue());
  for (let i = 0; i < 60; i++) {
    const res = await app.request("/health", { headers: { "x-forwarded-for": "10.0.0.1" } });
    await res.body?.cancel();
    assert.equal(res.status, 200);
  }
});
