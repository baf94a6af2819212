import assert from "node:assert/strict";
import { jsonCache } from "./json_cache.ts";
import { createMemoryKeyValue } from "./memory_kv.ts";
import { type KeyValue, KeyValueUnavailableError } from "./port.ts";

/** A store that is away: every call fails the way the Redis adapter fails when Redis is down. */
function away(kv: KeyValue): KeyValue {
  const down = () =>
    Promise.reject(new KeyValueUnavailableError("redis connection is reconnecting"));
  return { ...kv, get: down, set: down, del: down };
}

Deno.test("jsonCache: reads through to the source once, then serves the cached value", async () => {
  const kv = createMemoryKeyValue();
  const cache = jsonCache<{ n: number }>(kv, { prefix: "p:", ttlMs: 60_000 });
  let loads = 0;
  const load = () => Promise.resolve({ n: ++loads });
  assert.deepEqual(await cache.get("a", load), { n: 1 });
  assert.deepEqual(await cache.get("a", load), { n: 1 });
  await cache.forget("a");
  assert.deepEqual(await cache.get("a", load), { n: 2 });
  await kv.close();
});

Deno.test("jsonCache: with the store away, every read goes to the source and nothing fails", async () => {
  const reported: unknown[] = [];
  const cache = jsonCache<{ n: number }>(away(createMemoryKeyValue()), {
    prefix: "p:",
    ttlMs: 60_000,
    onUnavailable: (e) => reported.push(e),
  });
  let loads = 0;
  const load = () => Promise.resolve({ n: ++loads });
  assert.deepEqual(await cache.get("a", load), { n: 1 });
  assert.deepEqual(await cache.get("a", load), { n: 2 });
  await cache.forget("a");
  assert.ok(reported.length >= 3);
  assert.ok(reported.every((e) => e instanceof KeyValueUnavailableError));
});

Deno.test("jsonCache: errors that are not an outage are not swallowed", async () => {
  const kv = createMemoryKeyValue();
  await kv.sadd("p:a", "not a string"); // the key holds a set: WRONGTYPE is a bug, not an outage
  const cache = jsonCache<number>(kv, { prefix: "p:", ttlMs: 60_000 });
  await assert.rejects(cache.get("a", () => Promise.resolve(1)), /WRONGTYPE/);
  await kv.close();
});
