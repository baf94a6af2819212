import assert from "node:assert/strict";
import { type KeyValue, type PubSub, WrongTypeError } from "@colink/platform";
import { eventually, sleep, uniqueSuffix } from "../wait.ts";

/** The KeyValue port's contract (sessions, presence, typing, rate limits, caches). */
export function keyValueContract(adapter: string, make: () => Promise<KeyValue>): void {
  Deno.test({
    name: `key-value contract [${adapter}]`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const kv = await make();
      const p = `contract:${uniqueSuffix()}:`;
      try {
        await t.step("get/set/del round-trip strings", async () => {
          assert.equal(await kv.get(`${p}missing`), null);
          assert.equal(await kv.set(`${p}a`, "1"), true);
          assert.equal(await kv.get(`${p}a`), "1");
          assert.equal(await kv.del(`${p}a`, `${p}missing`), 1);
          assert.equal(await kv.get(`${p}a`), null);
        });

        await t.step("a key set with a TTL disappears after it", async () => {
          await kv.set(`${p}ttl`, "x", { ttlMs: 150 });
          const left = await kv.ttl(`${p}ttl`);
          assert.ok(left !== null && left > 0 && left <= 150, `ttl ${left}`);
          await sleep(300);
          assert.equal(await kv.get(`${p}ttl`), null);
          assert.equal(await kv.ttl(`${p}ttl`), null);
        });

        await t.step("set(onlyIfAbsent) refuses to overwrite", async () => {
          assert.equal(await kv.set(`${p}nx`, "first", { onlyIfAbsent: true }), true);
          assert.equal(await kv.set(`${p}nx`, "second", { onlyIfAbsent: true }), false);
          assert.equal(await kv.get(`${p}nx`), "first");
        });

        await t.step(
          "incr() sets the TTL when it creates the key and keeps it afterwards",
          async () => {
            assert.equal(await kv.incr(`${p}n`, { ttlMs: 10_000 }), 1);
            await sleep(50);
            assert.equal(await kv.incr(`${p}n`, { ttlMs: 10_000 }), 2);
            const left = await kv.ttl(`${p}n`);
            assert.ok(left !== null && left < 10_000 && left > 9_000, `ttl ${left}`);
            assert.equal(await kv.incr(`${p}n`, { by: 5 }), 7);
            assert.equal(await kv.get(`${p}n`), "7");
          },
        );

        await t.step("concurrent incr() calls lose no increment", async () => {
          await Promise.all(Array.from({ length: 50 }, () => kv.incr(`${p}race`)));
          assert.equal(await kv.get(`${p}race`), "50");
        });

        await t.step(
          "expire() and ttl() report absent keys and keys without TTL as null",
          async () => {
            assert.equal(await kv.expire(`${p}none`, 1000), false);
            await kv.set(`${p}forever`, "1");
            assert.equal(await kv.ttl(`${p}forever`), null);
            assert.equal(await kv.expire(`${p}forever`, 5000), true);
            assert.ok((await kv.ttl(`${p}forever`))! > 4000);
          },
        );

        await t.step("hashes store and return fields", async () => {
          await kv.hset(`${p}h`, { status: "online", last_seen: "t1" });
          await kv.hset(`${p}h`, { status: "away" });
          assert.deepEqual(await kv.hgetall(`${p}h`), { status: "away", last_seen: "t1" });
          assert.deepEqual(await kv.hgetall(`${p}nohash`), {});
        });

        await t.step("hset() with a TTL writes the fields and the expiry together", async () => {
          await kv.hset(`${p}ht`, { a: "1" }, { ttlMs: 150 });
          const left = await kv.ttl(`${p}ht`);
          assert.ok(left !== null && left > 0 && left <= 150, `ttl ${left}`);
          await kv.hset(`${p}ht`, { b: "2" }, { ttlMs: 10_000 });
          assert.ok((await kv.ttl(`${p}ht`))! > 5_000);
          assert.deepEqual(await kv.hgetall(`${p}ht`), { a: "1", b: "2" });
          await kv.hset(`${p}ht2`, { a: "1" }, { ttlMs: 150 });
          await sleep(300);
          assert.deepEqual(await kv.hgetall(`${p}ht2`), {});
        });

        await t.step("delIfEquals() deletes only while the key holds the value", async () => {
          await kv.set(`${p}lock`, "owner-b");
          assert.equal(await kv.delIfEquals(`${p}lock`, "owner-a"), false);
          assert.equal(await kv.get(`${p}lock`), "owner-b");
          assert.equal(await kv.delIfEquals(`${p}lock`, "owner-b"), true);
          assert.equal(await kv.get(`${p}lock`), null);
          assert.equal(await kv.delIfEquals(`${p}lock`, "owner-b"), false);
        });

        await t.step("sets count what they add and remove", async () => {
          assert.equal(await kv.sadd(`${p}s`, "a", "b", "a"), 2);
          assert.equal(await kv.sadd(`${p}s`, "b", "c"), 1);
          assert.deepEqual((await kv.smembers(`${p}s`)).sort(), ["a", "b", "c"]);
          assert.equal(await kv.sismember(`${p}s`, "c"), true);
          assert.equal(await kv.srem(`${p}s`, "c", "zz"), 1);
          assert.equal(await kv.sismember(`${p}s`, "c"), false);
          assert.deepEqual(await kv.smembers(`${p}noset`), []);
        });

        await t.step("using a key as the wrong type fails with WrongTypeError", async () => {
          await kv.set(`${p}str`, "x");
          await assert.rejects(kv.sadd(`${p}str`, "a"), WrongTypeError);
          await assert.rejects(kv.hgetall(`${p}str`), WrongTypeError);
        });
      } finally {
        await kv.close();
      }
    },
  });
}

/** The PubSub port's contract (realtime fan-out between gateway instances). */
export function pubSubContract(adapter: string, make: () => Promise<PubSub>): void {
  Deno.test({
    name: `pub-sub contract [${adapter}]`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const ps = await make();
      const ch = `contract:${uniqueSuffix()}`;
      try {
        await t.step(
          "every subscriber of a channel gets its messages in publish order",
          async () => {
            const a: string[] = [], b: string[] = [];
            const offA = await ps.subscribe(ch, (m) => a.push(m));
            const offB = await ps.subscribe(ch, (m) => b.push(m));
            assert.equal(ps.connected(), true);
            for (let i = 0; i < 20; i++) await ps.publish(ch, String(i));
            const expected = Array.from({ length: 20 }, (_, i) => String(i));
            await eventually(() => {
              assert.deepEqual(a, expected);
              assert.deepEqual(b, expected);
            });
            await offA();
            await offB();
          },
        );

        await t.step(
          "an unsubscribed handler gets nothing more; others keep receiving",
          async () => {
            const a: string[] = [], b: string[] = [];
            const offA = await ps.subscribe(ch, (m) => a.push(m));
            const offB = await ps.subscribe(ch, (m) => b.push(m));
            await offA();
            await ps.publish(ch, "after");
            await eventually(() => assert.deepEqual(b, ["after"]));
            assert.deepEqual(a, []);
            await offB();
          },
        );

        await t.step("messages on other channels are not delivered", async () => {
          const got: string[] = [];
          const off = await ps.subscribe(`${ch}:x`, (m) => got.push(m));
          await ps.publish(`${ch}:y`, "nope");
          await ps.publish(`${ch}:x`, "yes");
          await eventually(() => assert.deepEqual(got, ["yes"]));
          await off();
        });
      } finally {
        await ps.close();
      }
    },
  });
}
