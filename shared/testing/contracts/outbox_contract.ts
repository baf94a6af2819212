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
  type SqlExecutor,
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
 * Fails, listing the offenders with their counts, unless every expected event was applied
 * exactly once and nothing else was applied.
 */
function assertAppliedOnce(counts: Map<string, number>, expected: Set<string>): void {
  const off: string[] = [];
  for (const id of expected) {
    const n = counts.get(id) ?? 0;
    if (n !== 1) off.push(`${id} applied ${n} times`);
  }
  for (const [id, n] of counts) {
    if (!expected.has(id)) off.push(`${id} (not ours) applied ${n} times`);
  }
  assert.deepEqual(
    off,
    [],
    `${off.length} of ${expected.size} events were not applied exactly once:\n${off.join("\n")}`,
  );
}

/**
 * The transactional outbox end to end: a domain write and its event commit together, the relay
 * publishes at least once with the event id in a header and the aggregate as key, and an
 * idempotent consumer applies each event exactly once even when the relay died mid-batch.
 * "Exactly once" is counted, not inferred: every application is a row of its own, so an event
 * applied twice shows up as a count of 2, and a consumer without dedupe, run beside the real one
 * on the same deliveries, proves the count catches it.
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
      const suffix = uniqueSuffix();
      const consumer = `outbox-contract-${suffix}`;
      const naive = `outbox-contract-naive-${suffix}`;
      /** Deliveries each consumer finished handling (applied, skipped or failed). */
      const handled = { [consumer]: 0, [naive]: 0 };
      try {
        await migrate(sql, await colinkMigrations());
        await bus.ensureTopics(["file.uploaded"]);
        // No key on purpose: a key would turn a second application into a failing handler, a
        // redelivery loop and a timeout, where a row per application makes it a count of 2.
        await sql.exec(
          `create table if not exists outbox_contract_applications
             (consumer text not null, event_id uuid not null, seq int not null)`,
        );
        const apply = async (tx: SqlExecutor, name: string, id: string, seq: number) => {
          await tx.query(
            "insert into outbox_contract_applications (consumer, event_id, seq) values ($1, $2, $3)",
            [name, id, seq],
          );
        };
        const appliedCounts = async (name: string) =>
          new Map(
            (await sql.query<{ event_id: string; n: number }>(
              `select event_id, count(*)::int as n from outbox_contract_applications
                where consumer = $1 group by event_id`,
              [name],
            )).map((r) => [r.event_id, r.n]),
          );

        /** A stand-in domain action: one row and its event, in one transaction. */
        const write = (channel: string, seq: number, fail = false) =>
          sql.transaction(async (tx) => {
            const ev = makeEvent("file.uploaded", channel, {
              file_id: crypto.randomUUID(),
              uploader_id: crypto.randomUUID(),
              channel_id: channel,
              filename: `#${seq}`,
              size_bytes: seq,
              timestamp: new Date().toISOString(),
              conversation_type: "channel",
              workspace_id: channel,
              content_type: "text/plain",
              version: 1,
            });
            await appendToOutbox(tx, [ev]);
            if (fail) throw new Error("domain write failed");
            ours.add(ev.id);
            return ev.id;
          });
        /** Our event's id and sequence number; undefined for records of other tests. */
        const parse = (m: { headers: Record<string, string>; value: string }) => {
          const id = m.headers[EVENT_ID_HEADER]!;
          if (!ours.has(id)) return undefined;
          return { id, seq: Number(JSON.parse(m.value).data.filename.slice(1)) };
        };

        subs.push(
          await bus.subscribe(
            { group: consumer, topics: ["file.uploaded"], fromBeginning: true },
            async (m) => {
              const ev = parse(m);
              if (!ev) return; // records of other tests sharing the topic
              const { id, seq } = ev;
              deliveries.push({ id, key: m.key, seq });
              try {
                await consumeOnce(sql, consumer, id, (tx) => apply(tx, consumer, id, seq));
              } finally {
                handled[consumer]!++;
              }
            },
          ),
          // The control: the same deliveries applied without consumeOnce.
          await bus.subscribe(
            { group: naive, topics: ["file.uploaded"], fromBeginning: true },
            async (m) => {
              const ev = parse(m);
              if (!ev) return;
              const { id, seq } = ev;
              try {
                await apply(sql, naive, id, seq);
              } finally {
                handled[naive]!++;
              }
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
          "the restarted relay publishes again; every event arrives and is applied exactly once",
          async () => {
            for (let i = 0; i < 6; i++) await write(CHANNELS[i % 3]!, ++seq);
            const relay = createOutboxRelay({ sql, bus, batchSize: 10 });
            while ((await relay.runOnce()) > 0) { /* drain */ }
            const [left] = await sql.query<{ n: number }>(
              "select count(*)::int as n from outbox where published_at is null",
            );
            assert.equal(left!.n, 0);
            // Wait for deliveries to be handled, never for a count to come right: a wrong count
            // must fail as a count, not as a timeout.
            await eventually(() => {
              assert.ok(handled[consumer]! >= 30 * 2 + 6, `handled ${handled[consumer]}`);
              assert.ok(handled[naive]! >= 30 * 2 + 6, `control handled ${handled[naive]}`);
            }, { timeoutMs: 30_000 });
            assertAppliedOnce(await appliedCounts(consumer), ours);
          },
        );

        await t.step(
          "the count catches a double apply: the consumer without dedupe applied each redelivered event twice",
          async () => {
            const counts = await appliedCounts(naive);
            const redelivered = [...ours].slice(0, 30); // the batch the crashed relay published
            assert.deepEqual(
              redelivered.filter((id) => (counts.get(id) ?? 0) < 2),
              [],
              "every event of the crashed batch reached the control consumer twice",
            );
            const [first] = redelivered;
            assert.throws(
              () => assertAppliedOnce(counts, ours),
              (e: Error) =>
                e instanceof assert.AssertionError &&
                Number(/^(\d+) of 36 events were not applied exactly once/.exec(e.message)?.[1]) >=
                  30 &&
                e.message.includes(`${first} applied ${counts.get(first!)} times`),
            );
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
