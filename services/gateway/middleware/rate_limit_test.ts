import assert from "node:assert/strict";
import { Hono } from "hono";
import type { TokenVerifier } from "@colink/auth";
import { createServiceApp, silentLogger } from "@colink/http";
import { createMemoryKeyValue, type KeyValue } from "@colink/platform";
import { createRouteTable } from "@colink/runtime";
import { rateLimit } from "./rate_limit.ts";

// Every test runs on a clock of its own, starting at the start of a minute: windows, resets and
// Retry-After are exact values, and no test can straddle a real minute boundary.
const MINUTE_START = 60_000 * 16_666_667;

class Clock {
  t = MINUTE_START;
  readonly now = (): number => this.t;
}

const limits = { readsPerMin: 3, writesPerMin: 2, ipPerMin: 50, loginPerMin: 2 };
const routes = createRouteTable([{
  name: "t",
  paths: [
    { prefix: "/api", access: "caller" },
    { prefix: "/realms/colink/protocol/openid-connect/token", access: "anonymous", signIn: true },
  ],
}]);

function makeApp(clock: Clock, kv: KeyValue = createMemoryKeyValue(clock.now)) {
  const verifier: TokenVerifier = {
    verify: (token) =>
      token.startsWith("user-")
        ? Promise.resolve({
          sub: token,
          username: token,
          realmRoles: [],
          expiresAt: new Date(clock.now() + 60_000),
        })
        : Promise.reject(new Error("bad token")),
  };
  const app = createServiceApp({
    name: "t",
    logger: silentLogger,
    middleware: [
      rateLimit({
        kv,
        routes,
        limits,
        verifier,
        trustProxy: true,
        logger: silentLogger,
        now: clock.now,
      }),
    ],
  });
  const handlers = new Hono();
  handlers.get("/api/v1/things", (c) => c.json({ ok: true }));
  handlers.post("/api/v1/things", (c) => c.json({ ok: true }, 201));
  handlers.post("/realms/colink/protocol/openid-connect/token", (c) => c.json({ ok: true }));
  app.route("/", handlers);
  return app;
}

const as = (user: string, method = "GET", ip = "10.0.0.1") => ({
  method,
  headers: { authorization: `Bearer ${user}`, "x-forwarded-for": ip },
});

/** The rate-limit headers of a response, and its status; the body is consumed. */
async function limited(res: Response) {
  await res.body?.cancel();
  return {
    status: res.status,
    limit: res.headers.get("x-ratelimit-limit"),
    remaining: res.headers.get("x-ratelimit-remaining"),
    reset: res.headers.get("x-ratelimit-reset"),
    retryAfter: res.headers.get("retry-after"),
  };
}

/** A KV store that is down: every counter call fails as if Redis refused the connection. */
function downKv(clock: Clock): KeyValue {
  const down = createMemoryKeyValue(clock.now);
  down.incr = () => Promise.reject(new Error("ECONNREFUSED"));
  return down;
}

/** user's 3 reads at the start of a minute: each 200, counting the budget down to 0. */
async function readsWithinBudget(app: ReturnType<typeof makeApp>, user: string) {
  for (const remaining of ["2", "1", "0"]) {
    assert.deepEqual(await limited(await app.request("/api/v1/things", as(user))), {
      status: 200,
      limit: "3",
      remaining,
      reset: "60",
      retryAfter: null,
    });
  }
}

Deno.test("per-user reads: the 4th read in a minute is a 429 with Retry-After and X-RateLimit-*", async () => {
  const app = makeApp(new Clock());
  await readsWithinBudget(app, "user-a");
  const res = await app.request("/api/v1/things", as("user-a"));
  assert.equal((await res.clone().json()).error.code, "rate_limited");
  assert.deepEqual(await limited(res), {
    status: 429,
    limit: "3",
    remaining: "0",
    reset: "60",
    retryAfter: "60",
  });
  assert.equal(
    (await limited(await app.request("/api/v1/things", as("user-b")))).status,
    200,
    "another user has a budget of their own",
  );
});

Deno.test("X-RateLimit-Reset and Retry-After count the whole seconds left in the window", async () => {
  const clock = new Clock();
  const app = makeApp(clock);
  const cases: [offsetMs: number, reset: string][] = [
    [0, "60"],
    [1, "60"], // 59.999 s left: rounded up, never to a second too early
    [15_000, "45"],
    [44_750, "16"],
    [59_000, "1"],
    [59_999, "1"], // 1 ms left is still "retry in 1 s", never 0
  ];
  for (const [offsetMs, reset] of cases) {
    clock.t = MINUTE_START + offsetMs;
    const user = `user-${offsetMs}`;
    const ok = await limited(await app.request("/api/v1/things", as(user)));
    assert.deepEqual({ offsetMs, reset: ok.reset }, { offsetMs, reset });
    for (let i = 0; i < 2; i++) await limited(await app.request("/api/v1/things", as(user)));
    const refused = await limited(await app.request("/api/v1/things", as(user)));
    assert.deepEqual(
      { offsetMs, status: refused.status, reset: refused.reset, retryAfter: refused.retryAfter },
      { offsetMs, status: 429, reset, retryAfter: reset },
    );
  }
});

Deno.test("per-user writes have their own, smaller budget", async () => {
  const app = makeApp(new Clock());
  const post =
    async () => (await limited(await app.request("/api/v1/things", as("user-a", "POST"))));
  assert.deepEqual(await post(), {
    status: 201,
    limit: "2",
    remaining: "1",
    reset: "60",
    retryAfter: null,
  });
  assert.equal((await post()).status, 201);
  assert.deepEqual(await post(), {
    status: 429,
    limit: "2",
    remaining: "0",
    reset: "60",
    retryAfter: "60",
  });
  assert.equal(
    (await limited(await app.request("/api/v1/things", as("user-a")))).status,
    200,
    "reads are counted apart",
  );
});

Deno.test("logins are limited per IP, more strictly than other requests", async () => {
  const app = makeApp(new Clock());
  const login = async (ip: string) =>
    await limited(
      await app.request("/realms/colink/protocol/openid-connect/token", as("nobody", "POST", ip)),
    );
  assert.equal((await login("10.0.0.9")).status, 200);
  assert.equal((await login("10.0.0.9")).status, 200);
  assert.deepEqual(await login("10.0.0.9"), {
    status: 429,
    limit: "2",
    remaining: "0",
    reset: "60",
    retryAfter: "60",
  });
  assert.equal((await login("10.0.0.8")).status, 200);
});

for (const store of ["the KV store", "the in-memory fallback (KV store down)"] as const) {
  Deno.test(`a new minute brings a new budget, to the millisecond [${store}]`, async () => {
    const clock = new Clock();
    const app = makeApp(clock, store === "the KV store" ? undefined : downKv(clock));
    const read = async () => await limited(await app.request("/api/v1/things", as("user-a")));
    for (let i = 0; i < 3; i++) assert.equal((await read()).status, 200);
    clock.t = MINUTE_START + 59_999;
    assert.deepEqual(await read(), {
      status: 429,
      limit: "3",
      remaining: "0",
      reset: "1",
      retryAfter: "1",
    });
    clock.t = MINUTE_START + 60_000;
    assert.deepEqual(await read(), {
      status: 200,
      limit: "3",
      remaining: "2",
      reset: "60",
      retryAfter: null,
    });
  });
}

Deno.test("with the KV store down, requests are served and limits still hold per replica", async () => {
  const clock = new Clock();
  const app = makeApp(clock, downKv(clock));
  await readsWithinBudget(app, "user-a");
  assert.deepEqual(await limited(await app.request("/api/v1/things", as("user-a"))), {
    status: 429,
    limit: "3",
    remaining: "0",
    reset: "60",
    retryAfter: "60",
  });
});

for (const store of ["the KV store", "the in-memory fallback (KV store down)"] as const) {
  Deno.test(`the limiter reads only its own clock, never wall time [${store}]`, async () => {
    // Wall time leaps two minutes at every reading: a window key, a TTL or a reset computed from
    // it would give every request a fresh budget or a wrong Retry-After.
    const realNow = Date.now;
    let leaps = 0;
    Date.now = () => realNow() + ++leaps * 120_000;
    try {
      const clock = new Clock();
      clock.t = MINUTE_START + 30_000;
      const app = makeApp(clock, store === "the KV store" ? undefined : downKv(clock));
      for (let i = 0; i < 3; i++) {
        assert.equal(
          (await limited(await app.request("/api/v1/things", as("user-a")))).status,
          200,
        );
      }
      assert.deepEqual(await limited(await app.request("/api/v1/things", as("user-a"))), {
        status: 429,
        limit: "3",
        remaining: "0",
        reset: "30",
        retryAfter: "30",
      });
    } finally {
      Date.now = realNow;
    }
  });
}

Deno.test("health, readiness and metrics are never rate limited", async () => {
  const app = makeApp(new Clock());
  for (let i = 0; i < 60; i++) {
    const res = await app.request("/health", { headers: { "x-forwarded-for": "10.0.0.1" } });
    await res.body?.cancel();
    assert.equal(res.status, 200);
  }
});
