import assert from "node:assert/strict";
import { makeEvent } from "@colink/contracts";
import {
  appendToOutbox,
  consumeOnce,
  createOutboxRelay,
  EVENT_ID_HEADER,
  type EventBus,
  migrate,
  type Sql,
  type Subscription,
} from "@colink/platform";
import { colinkMigrations } from "@colink/db";
import { eventually, uniqueSuffix } from "../wait.ts";

export interface OutboxFixture {
  sql: Sql;
  bus: EventBus;
  /**
   * Runs a relay over the current outbox that dies after the bus acknowledged a batch and
   * before the rows are marked published (for real servers: a separate process killed with
   * SIGKILL at that point).
   */
  crashRelayAfterPublish(): Promise<void>;
  dispose(): Promise<void>;
}

const CHANNELS = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];

/**
 * The transactional outbox end to end: a domain write and its event commit together, the relay
 * publishes at least once with the event id in a header and the aggregate as key, and an
 * idempotent consumer applies each event exactly once even when the relay died mid-batch.
 */
export function outboxContract(adapter: string, makeFixture: () => Promise<OutboxFixture>): void {
  Deno.test({
    name: `outbox contract [${adapter}]`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const fx = await makeFixture();
      const { sql, bus } = fx;
      const subs: Subscription[] = [];
      const ours = new Set<string>();
      const deliveries: { id: string; key: string; seq: number }[] = [];
      const consumer = `outbox-contract-${uniqueSuffix()}`;
      try {
        await migrate(sql, await colinkMigrations());
        await bus.ensureTopics(["message.created"]);
        await sql.exec(
          "create table if not exists outbox_contract_applied (event_id uuid primary key, seq int)",
        );

        /** A stand-in domain action: one row and its event, in one transaction. */
        const write = (channel: string, seq: number, fail = false) =>
          sql.transaction(async (tx) => {
            const ev = makeEvent("message.created", channel, {
              message_id: crypto.randomUUID(),
              channel_id: channel,
              user_id: crypto.randomUUID(),
              content: `#${seq}`,
              timestamp: new Date().toISOString(),
            });
            await appendToOutbox(tx, [ev]);
            if (fail) throw new Error("domain write failed");
            ours.add(ev.id);
            return ev.id;
          });

        subs.push(
          await bus.subscribe(
            { group: consumer, topics: ["message.created"], fromBeginning: true },
            async (m) => {
              const id = m.headers[EVENT_ID_HEADER]!;
              if (!ours.has(id)) return; // records of other tests sharing the topic
              const seq = Number(JSON.parse(m.value).data.content.slice(1));
              deliveries.push({ id, key: m.key, seq });
              await consumeOnce(sql, consumer, id, async (tx) => {
                await tx.query(
                  "insert into outbox_contract_applied (event_id, seq) values ($1, $2)",
                  [id, seq],
                );
              });
            },
          ),
        );

        await t.step(
          "an event whose domain write rolls back never reaches the outbox",
          async () => {
            const before = await sql.query<{ n: number }>("select count(*)::int as n from outbox");
            await assert.rejects(write(CHANNELS[0]!, 0, true), /domain write failed/);
            assert.deepEqual(await sql.query("select count(*)::int as n from outbox"), before);
          },
        );

        let seq = 0;
        for (let i = 0; i < 30; i++) await write(CHANNELS[i % 3]!, ++seq);

        await t.step(
          "a relay that dies between publishing and marking leaves the rows unpublished",
          async () => {
            await fx.crashRelayAfterPublish();
            const [row] = await sql.query<{ n: number }>(
              "select count(*)::int as n from outbox where published_at is null and event_id = any($1::uuid[])",
              [[...ours]],
            );
            assert.equal(row!.n, 30);
            await eventually(() => assert.equal(new Set(deliveries.map((d) => d.id)).size, 30), {
              timeoutMs: 30_000,
            });
          },
        );

        await t.step(
          "the restarted relay publishes again; every event arrives, none is applied twice",
          async () => {
            for (let i = 0; i < 6; i++) await write(CHANNELS[i % 3]!, ++seq);
            const relay = createOutboxRelay({ sql, bus, batchSize: 10 });
            while ((await relay.runOnce()) > 0) { /* drain */ }
            const [left] = await sql.query<{ n: number }>(
              "select count(*)::int as n from outbox where published_at is null",
            );
            assert.equal(left!.n, 0);
            await eventually(() => assert.equal(deliveries.length, 30 * 2 + 6), {
              timeoutMs: 30_000,
            });
            const applied = await sql.query<{ event_id: string }>(
              "select event_id from outbox_contract_applied",
            );
            assert.equal(applied.length, 36, "each event applied exactly once");
            assert.deepEqual(new Set(applied.map((r) => r.event_id)), ours);
          },
        );

        await t.step(
          "records carry the aggregate as key, so each channel's events keep their order",
          () => {
            for (const channel of CHANNELS) {
              const firsts: number[] = [];
              const seen = new Set<string>();
              for (const d of deliveries.filter((x) => x.key === channel)) {
                if (!seen.has(d.id)) firsts.push(d.seq);
                seen.add(d.id);
              }
              assert.equal(firsts.length, 12);
              assert.deepEqual(
                firsts,
                [...firsts].sort((a, b) => a - b),
                `order broken for ${channel}`,
              );
            }
          },
        );
      } finally {
        await Promise.all(subs.map((s) => s.close()));
        await fx.dispose();
      }
    },
  });
}
