import assert from "node:assert/strict";
import {
  createBrowser,
  dedicatedRedis,
  distributedTestEnv,
  eventually,
  passwordGrant,
  signInWithForms,
  startProcess,
} from "@colink/testing";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";
import { SERVICES } from "./registry.ts";

/** A request and how long it took; a hung dependency must never turn into a hung request. */
async function timed(f: () => Promise<Response>) {
  const started = performance.now();
  const res = await f();
  const text = await res.text();
  return { res, text, ms: performance.now() - started };
}

const BOUND_MS = 2_000;

Deno.test({
  name:
    "Redis down: Bearer requests keep working, cookie sessions get a fast 503, /ready says so, and all recovers without a restart",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const redis = dedicatedRedis();
    await redis.start();
    const d = await distributedTestEnv("redisdown", {
      REDIS_URL: redis.url,
      REDIS_COMMAND_TIMEOUT_MS: "300",
    });
    const users = await startProcess([usersService], d.env);
    const gateway = await startProcess(
      [gatewayService],
      { ...d.env, USERS_URL: users.base },
      SERVICES,
    );
    try {
      const { body } = await passwordGrant(fetch, d.tokenUrl, "bob");
      const bearer = () =>
        timed(() =>
          fetch(`${gateway.base}/api/v1/me`, {
            headers: { authorization: `Bearer ${body.access_token}` },
          })
        );
      const browser = createBrowser();
      const start = await browser.follow(`${gateway.base}/auth/login`);
      const callback = await signInWithForms(
        browser,
        start,
        { username: "carol", password: "colink-dev" },
        (u) => u.origin === gateway.base && u.pathname === "/auth/callback",
      );
      await (await browser.fetch(callback.toString())).body?.cancel();
      const cookie = () => timed(() => browser.fetch(`${gateway.base}/api/v1/me`));
      const ready = () => timed(() => fetch(`${gateway.base}/ready`));

      await t.step("with Redis up, both kinds of caller are served", async () => {
        assert.equal((await bearer()).res.status, 200);
        assert.equal((await cookie()).res.status, 200);
        assert.equal((await ready()).res.status, 200);
      });

      const whileDown = async (how: string) => {
        await t.step(`${how}: Bearer requests answer 200 within ${BOUND_MS} ms`, async () => {
          for (let i = 0; i < 8; i++) {
            const r = await bearer();
            assert.equal(r.res.status, 200, r.text);
            assert.ok(r.ms < BOUND_MS, `request ${i} took ${Math.round(r.ms)} ms`);
            // The per-replica fallback keeps limiting.
            assert.ok(r.res.headers.get("x-ratelimit-remaining"), "no rate-limit headers");
          }
        });
        await t.step(`${how}: a cookie session gets a fast 503 in the error shape`, async () => {
          const r = await cookie();
          assert.equal(r.res.status, 503, r.text);
          assert.ok(r.ms < BOUND_MS, `took ${Math.round(r.ms)} ms`);
          assert.equal(r.res.headers.get("retry-after"), "5");
          const err = JSON.parse(r.text).error;
          assert.equal(err.code, "dependency_unavailable");
          assert.ok(err.request_id);
        });
        await t.step(`${how}: /ready reports Redis down without internal error text`, async () => {
          const r = await ready();
          assert.equal(r.res.status, 503, r.text);
          assert.ok(r.ms < 5_000, `took ${Math.round(r.ms)} ms`);
          const checks = JSON.parse(r.text).checks;
          assert.equal(checks.kv.status, "down");
          assert.equal(checks.sql.status, "ok");
          assert.ok(["timeout", "unreachable"].includes(checks.kv.error), checks.kv.error);
          assert.doesNotMatch(r.text, /127\.0\.0\.1|ECONN|redis:\/\/|Command timed out/i);
        });
      };

      // A hung Redis (accepts nothing, answers nothing) is the nastier outage: only timeouts
      // and the circuit breaker keep requests from waiting on it.
      redis.freeze();
      await whileDown("Redis hung");
      redis.thaw();
      await t.step("Redis back (same data): the cookie session works again", async () => {
        await eventually(async () => assert.equal((await cookie()).res.status, 200), {
          timeoutMs: 10_000,
        });
        await eventually(async () => assert.equal((await ready()).res.status, 200));
      });

      await redis.kill();
      await whileDown("Redis gone");
      await redis.start();
      await t.step("Redis restarted: ready again, no CoLink restart", async () => {
        await eventually(async () => assert.equal((await ready()).res.status, 200), {
          timeoutMs: 10_000,
        });
        assert.equal((await bearer()).res.status, 200);
        // The restarted Redis kept no data (no persistence): the session is gone, and says so.
        assert.equal((await cookie()).res.status, 401);
      });
    } finally {
      await gateway.close();
      await users.close();
      await redis.kill();
      await d.drop();
    }
  },
});
