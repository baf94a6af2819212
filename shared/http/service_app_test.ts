import assert from "node:assert/strict";
import { createRoute, z } from "@hono/zod-openapi";
import { DependencyUnavailableError, ErrorBody } from "@colink/contracts";
import { notFound } from "./errors.ts";
import { silentLogger } from "./logger.ts";
import { createServiceApp } from "./service_app.ts";

function makeApp(checks = {}) {
  const app = createServiceApp({ name: "demo", logger: silentLogger, checks, readyTimeoutMs: 200 });
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/things/{id}",
      request: {
        params: z.object({ id: z.uuid() }),
        body: {
          content: { "application/json": { schema: z.object({ name: z.string().min(1) }) } },
        },
      },
      responses: {
        201: {
          description: "created",
          content: { "application/json": { schema: z.object({ name: z.string() }) } },
        },
      },
    }),
    (c) => c.json({ name: c.req.valid("json").name }, 201),
  );
  app.get("/boom", () => {
    throw new Error("kaput");
  });
  app.get("/gone", () => {
    throw notFound("thing_not_found", "No such thing");
  });
  return app;
}

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  makeApp().request(path, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });

Deno.test("GET /health answers 200 with the service name", async () => {
  const res = await makeApp().request("/health");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ok", service: "demo" });
});

Deno.test("GET /ready is 200 when every dependency answers and 503 naming the one that does not", async () => {
  const ok = await makeApp({ db: () => Promise.resolve() }).request("/ready");
  assert.equal(ok.status, 200);
  const res = await makeApp({
    db: () => Promise.resolve(),
    bus: () => Promise.reject(new Error("connect ECONNREFUSED 10.0.3.7:9092 (broker kafka-0)")),
    slow: () => new Promise((r) => setTimeout(r, 1000)),
  }).request("/ready");
  assert.equal(res.status, 503);
  const text = await res.text();
  // Which dependency is down, and whether it timed out; never the driver's text (hosts, ports).
  assert.doesNotMatch(text, /ECONNREFUSED|10\.0\.3\.7|kafka-0/);
  const body = JSON.parse(text);
  assert.equal(body.checks.db.status, "ok");
  assert.deepEqual(body.checks.bus, { status: "down", error: "unreachable" });
  assert.deepEqual(body.checks.slow, { status: "down", error: "timeout" });
});

Deno.test("every response carries X-Request-Id, also one a handler built by hand (a proxied one)", async () => {
  const app = makeApp();
  app.get("/api/v1/raw", () => new Response("from upstream", { headers: { "x-upstream": "1" } }));
  const res = await app.request("/api/v1/raw", { headers: { "x-request-id": "req-raw-1234" } });
  assert.equal(await res.text(), "from upstream");
  assert.equal(res.headers.get("x-request-id"), "req-raw-1234");
  assert.equal(res.headers.get("x-upstream"), "1");
});

Deno.test("a dependency that is down is a 503 dependency_unavailable with Retry-After, not a 500", async () => {
  const app = makeApp();
  app.get("/api/v1/cached", () => {
    throw new DependencyUnavailableError("key-value store", "connect ECONNREFUSED 10.0.0.9:6379");
  });
  const res = await app.request("/api/v1/cached");
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("retry-after"), "5");
  const text = await res.text();
  assert.doesNotMatch(text, /ECONNREFUSED|10\.0\.0\.9/);
  assert.equal(ErrorBody.parse(JSON.parse(text)).error.code, "dependency_unavailable");
});

Deno.test("invalid input is a 400 in the shared error shape with field details", async () => {
  const res = await post(`/api/v1/things/not-a-uuid`, JSON.stringify({ name: "" }));
  assert.equal(res.status, 400);
  const body = ErrorBody.parse(await res.json());
  assert.equal(body.error.code, "invalid_request");
  assert.ok(body.error.details?.some((d) => d.path === "id"), JSON.stringify(body));
});

Deno.test("a malformed JSON body is a 400, not a 500", async () => {
  const res = await post(`/api/v1/things/${crypto.randomUUID()}`, "{nope");
  assert.equal(res.status, 400);
  assert.equal(ErrorBody.parse(await res.json()).error.code, "invalid_request");
});

Deno.test("a thrown HttpError keeps its status and code; the request id is echoed", async () => {
  const res = await makeApp().request("/gone", { headers: { "x-request-id": "req-12345678" } });
  assert.equal(res.status, 404);
  assert.equal(res.headers.get("x-request-id"), "req-12345678");
  assert.deepEqual(await res.json(), {
    error: { code: "thing_not_found", message: "No such thing", request_id: "req-12345678" },
  });
});

Deno.test("a crash is a 500 internal_error that leaks no internals", async () => {
  const res = await makeApp().request("/boom");
  assert.equal(res.status, 500);
  const body = ErrorBody.parse(await res.json());
  assert.equal(body.error.code, "internal_error");
  assert.doesNotMatch(JSON.stringify(body), /kaput/);
});

Deno.test("an unknown route is a 404 route_not_found in the error shape", async () => {
  const res = await makeApp().request("/nowhere");
  assert.equal(res.status, 404);
  assert.equal(ErrorBody.parse(await res.json()).error.code, "route_not_found");
});

Deno.test("GET /metrics exposes per-route request counts and durations in Prometheus text", async () => {
  const app = makeApp();
  await app.request(`/api/v1/things/${crypto.randomUUID()}`, {
    method: "POST",
    body: JSON.stringify({ name: "x" }),
    headers: { "content-type": "application/json" },
  });
  await app.request("/nowhere");
  const res = await app.request("/metrics");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
  const text = await res.text();
  assert.match(
    text,
    /http_requests_total\{[^}]*route="\/api\/v1\/things\/:id"[^}]*status="201"[^}]*\} 1/,
  );
  assert.match(text, /http_requests_total\{[^}]*route="\(unmatched\)"[^}]*status="404"[^}]*\} 1/);
  assert.match(text, /http_request_duration_seconds_bucket\{[^}]*route="\/api\/v1\/things\/:id"/);
  assert.match(text, /service="demo"/);
});
