import assert from "node:assert/strict";
import type { DeliveredMessage, EventBus, Subscription } from "@colink/platform";
import { eventually, sleep, uniqueSuffix } from "../wait.ts";

/** The event-bus port's contract: what the outbox relay and every consumer rely on. */
export function eventBusContract(adapter: string, makeBus: () => Promise<EventBus>): void {
  Deno.test({
    name: `event bus contract [${adapter}]`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const bus = await makeBus();
      const run = uniqueSuffix();
      const topic = (name: string) => `contract.${run}.${name}`;
      const subs: Subscription[] = [];
      const collect = async (group: string, topics: string[], fromBeginning = true) => {
        const got: DeliveredMessage[] = [];
        subs.push(
          await bus.subscribe({ group: `${group}-${run}`, topics, fromBeginning }, (m) => {
            got.push(m);
            return Promise.resolve();
          }),
        );
        return got;
      };
      const publishN = (tp: string, n: number, key: (i: number) => string) =>
        bus.publish(
          Array.from({ length: n }, (_, i) => ({ topic: tp, key: key(i), value: `v${i}` })),
        );

      try {
        await bus.ensureTopics(["basic", "order", "split", "fanout", "retry", "resume"].map(topic));

        await t.step("ensureTopics() is idempotent", async () => {
          await bus.ensureTopics([topic("basic")]);
        });

        await t.step(
          "delivers records with key, value and headers to a group reading from the beginning",
          async () => {
            await bus.publish([{
              topic: topic("basic"),
              key: "k1",
              value: "hello",
              headers: { "colink-event-id": "e1" },
            }]);
            const got = await collect("basic", [topic("basic")]);
            await eventually(() => assert.equal(got.length, 1));
            assert.equal(got[0]!.key, "k1");
            assert.equal(got[0]!.value, "hello");
            assert.equal(got[0]!.headers["colink-event-id"], "e1");
            assert.equal(got[0]!.topic, topic("basic"));
          },
        );

        await t.step("keeps the publish order of records that share a key", async () => {
          const got = await collect("order", [topic("order")]);
          for (let batch = 0; batch < 5; batch++) {
            await bus.publish(Array.from({ length: 12 }, (_, i) => ({
              topic: topic("order"),
              key: `chan-${i % 3}`,
              value: String(batch * 12 + i),
            })));
          }
          await eventually(() => assert.equal(got.length, 60));
          for (const key of ["chan-0", "chan-1", "chan-2"]) {
            const values = got.filter((m) => m.key === key).map((m) => Number(m.value));
            assert.equal(values.length, 20);
            assert.deepEqual(values, [...values].sort((a, b) => a - b), `order broken for ${key}`);
          }
        });

        await t.step(
          "splits a group's records between its members, each record to exactly one",
          async () => {
            const a = await collect("split", [topic("split")]);
            const b = await collect("split", [topic("split")]);
            await sleep(adapter === "kafka" ? 1500 : 0); // let the rebalance settle before publishing
            await publishN(topic("split"), 60, (i) => `key-${i}`);
            await eventually(
              () => assert.equal(new Set([...a, ...b].map((m) => m.value)).size, 60),
              {
                timeoutMs: 20_000,
              },
            );
            assert.ok(
              a.length > 0 && b.length > 0,
              `both members get work (a=${a.length}, b=${b.length})`,
            );
            const seenA = new Set(a.map((m) => m.value));
            assert.deepEqual(
              b.filter((m) => seenA.has(m.value)),
              [],
              "no record reached both members",
            );
          },
        );

        await t.step("delivers every record to each of two groups", async () => {
          const g1 = await collect("fan1", [topic("fanout")]);
          const g2 = await collect("fan2", [topic("fanout")]);
          await publishN(topic("fanout"), 10, (i) => `k${i}`);
          await eventually(() => {
            assert.equal(g1.length, 10);
            assert.equal(g2.length, 10);
          });
        });

        await t.step(
          "redelivers a record whose handler threw, before later records of its key",
          async () => {
            const seen: string[] = [];
            let failures = 0;
            subs.push(
              await bus.subscribe({
                group: `retry-${run}`,
                topics: [topic("retry")],
                fromBeginning: true,
              }, (m) => {
                if (m.value === "second" && failures === 0) {
                  failures++;
                  return Promise.reject(new Error("transient"));
                }
                seen.push(m.value);
                return Promise.resolve();
              }),
            );
            await bus.publish(
              ["first", "second", "third"].map((value) => ({
                topic: topic("retry"),
                key: "same",
                value,
              })),
            );
            await eventually(() => assert.deepEqual(seen.slice(-2), ["second", "third"]), {
              timeoutMs: 30_000,
            });
            assert.equal(failures, 1);
            assert.equal(seen.filter((v) => v === "third").length, 1);
            assert.ok(seen.indexOf("first") < seen.indexOf("second"));
          },
        );

        await t.step(
          "a member rejoining its group resumes after the last record it finished",
          async () => {
            const first: string[] = [];
            const group = `resume-${run}`;
            const sub1 = await bus.subscribe({
              group,
              topics: [topic("resume")],
              fromBeginning: true,
            }, (m) => {
              first.push(m.value);
              return Promise.resolve();
            });
            await publishN(topic("resume"), 5, () => "r");
            await eventually(() => assert.equal(first.length, 5));
            await sleep(200);
            await sub1.close();
            await bus.publish(
              Array.from(
                { length: 5 },
                (_, i) => ({ topic: topic("resume"), key: "r", value: `later${i}` }),
              ),
            );
            const second: string[] = [];
            subs.push(
              await bus.subscribe(
                { group, topics: [topic("resume")], fromBeginning: true },
                (m) => {
                  second.push(m.value);
                  return Promise.resolve();
                },
              ),
            );
            await eventually(() => assert.equal(second.length, 5), { timeoutMs: 20_000 });
            assert.deepEqual(second, ["later0", "later1", "later2", "later3", "later4"]);
          },
        );

        await t.step(
          "a new group that does not read from the beginning sees only later records",
          async () => {
            const got = await collect("late", [topic("basic")], false);
            await bus.publish([{ topic: topic("basic"), key: "k1", value: "fresh" }]);
            await eventually(() => assert.deepEqual(got.map((m) => m.value), ["fresh"]));
          },
        );
      } finally {
        await Promise.all(subs.map((s) => s.close()));
        await bus.close();
      }
    },
  });
}
