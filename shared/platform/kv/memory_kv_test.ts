import assert from "node:assert/strict";
import { eventually, keyValueContract, pubSubContract, sleep } from "@colink/testing";
import { createMemoryKeyValue, createMemoryPubSub } from "./memory_kv.ts";

keyValueContract("memory", () => Promise.resolve(createMemoryKeyValue()));
pubSubContract("memory", () => Promise.resolve(createMemoryPubSub()));

Deno.test("memory key-value: 200,000 keys never read again are swept after their TTL", async () => {
  const kv = createMemoryKeyValue();
  try {
    // Rate-limit windows: one key per caller and minute, written once, never read again.
    for (let i = 0; i < 200_000; i++) await kv.incr(`ratelimit:user-${i}:read:1`, { ttlMs: 300 });
    await kv.set("keeps", "1");
    await kv.set("keeps-longer", "1", { ttlMs: 60_000 });
    assert.equal(kv.size, 200_002);
    await eventually(() => assert.ok(kv.size <= 2, `size ${kv.size}`), { timeoutMs: 3_000 });
    assert.equal(await kv.get("keeps"), "1");
    assert.equal(await kv.get("keeps-longer"), "1");
  } finally {
    await kv.close();
  }
});

Deno.test("memory key-value: a key whose TTL was extended survives the sweep of its old expiry", async () => {
  const kv = createMemoryKeyValue();
  try {
    await kv.set("k", "v", { ttlMs: 100 });
    await kv.expire("k", 5_000);
    await sleep(700);
    assert.equal(kv.size, 1);
    assert.equal(await kv.get("k"), "v");
  } finally {
    await kv.close();
  }
});
