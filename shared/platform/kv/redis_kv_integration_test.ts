import assert from "node:assert/strict";
import {
  dedicatedRedis,
  eventually,
  keyValueContract,
  pubSubContract,
  realServers,
  requireServer,
} from "@colink/testing";
import { KeyValueUnavailableError } from "./port.ts";
import { createRedisKeyValue, createRedisPubSub } from "./redis_kv.ts";

keyValueContract("redis", async () => {
  const { REDIS_URL } = realServers();
  const kv = createRedisKeyValue(REDIS_URL, { prefix: "colink-contract:" });
  await requireServer("Redis", REDIS_URL, () => kv.ping());
  return kv;
});

pubSubContract("redis", async () => {
  const { REDIS_URL } = realServers();
  const ps = createRedisPubSub(REDIS_URL, { prefix: "colink-contract:" });
  await requireServer("Redis", REDIS_URL, () => ps.publish("colink:ping", "1"));
  return ps;
});

Deno.test({
  name:
    "redis pub/sub: a subscribe refused while Redis is down fails fast, and a retry once it is up really subscribes",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = dedicatedRedis(); // not started yet: nothing listens on its port
    const ps = createRedisPubSub(redis.url, { prefix: "outage:", commandTimeoutMs: 200 });
    try {
      const started = performance.now();
      await assert.rejects(ps.subscribe("ch", () => {}), KeyValueUnavailableError);
      assert.ok(performance.now() - started < 2_000, "the refusal was not fast");
      assert.equal(ps.connected(), false);

      await redis.start();
      const got: string[] = [];
      await eventually(() => ps.subscribe("ch", (m) => got.push(m)), { timeoutMs: 10_000 });
      assert.equal(ps.connected(), true);
      await eventually(async () => {
        await ps.publish("ch", "hello");
        assert.ok(got.includes("hello"), "the retried subscription receives nothing");
      });
    } finally {
      await ps.close();
      await redis.kill();
    }
  },
});
