import assert from "node:assert/strict";
import { colinkMigrations } from "@colink/db";
import { outboxContract } from "@colink/testing";
import { migrate } from "../sql/migrate.ts";
import { createMemoryBus } from "../events/memory_bus.ts";
import type { EventBus } from "../events/port.ts";
import { createPgliteSql } from "../sql/pglite_sql.ts";
import { createOutboxRelay } from "./relay.ts";

/** A bus whose publish succeeds and then "crashes" the caller: the relay's transaction aborts. */
function dyingAfterPublish(bus: EventBus): EventBus {
  return {
    ...bus,
    async publish(messages) {
      await bus.publish(messages);
      throw new Error("relay died after publishing");
    },
  };
}

outboxContract("pglite + memory bus", async () => {
  const sql = await createPgliteSql();
  const bus = createMemoryBus();
  return {
    sql,
    bus,
    async crashRelayAfterPublish() {
      await createOutboxRelay({ sql, bus: dyingAfterPublish(bus) }).runOnce().catch(() => {});
    },
    async dispose() {
      await bus.close();
      await sql.close();
    },
  };
});

Deno.test("prune() drops published rows and dedupe records past the retention, never unpublished rows, and records the lost positions", async () => {
  const sql = await createPgliteSql();
  try {
    await migrate(sql, await colinkMigrations());
    const row = (id: string, published: string | null, created = "now()") =>
      sql.query(
        `insert into outbox (event_id, topic, aggregate_id, payload, created_at, published_at)
         values ($1, 'message.created', 'a', '{}'::jsonb, ${created}, ${published ?? "null"})`,
        [id],
      );
    const [oldDone, oldPending, fresh] = [
      crypto.randomUUID(),
      crypto.randomUUID(),
      crypto.randomUUID(),
    ];
    await row(oldDone, "now() - interval '8 days'", "now() - interval '8 days'");
    await row(oldPending, null, "now() - interval '8 days'");
    await row(fresh, "now()");
    await sql.query(
      `insert into processed_events (consumer, event_id, processed_at) values
       ('c', $1, now() - interval '8 days'), ('c', $2, now())`,
      [oldDone, fresh],
    );
    const relay = createOutboxRelay({ sql, bus: createMemoryBus() });
    await relay.sequence();
    assert.equal(await relay.prune(), 1);
    const [stream] = await sql.query<{ pruned_through: number }>(
      "select pruned_through from event_stream",
    );
    assert.equal(stream!.pruned_through, 1, "cursors at or below the deleted position must resync");
    const left = (await sql.query<{ event_id: string }>("select event_id from outbox order by id"))
      .map((r) => r.event_id);
    assert.deepEqual(left, [oldPending, fresh]);
    assert.deepEqual(await sql.query("select event_id from processed_events"), [{
      event_id: fresh,
    }]);
  } finally {
    await sql.close();
  }
});

Deno.test("sequence() positions committed rows in one gap-free order and keeps going while the bus is down", async () => {
  const sql = await createPgliteSql();
  try {
    await migrate(sql, await colinkMigrations());
    const heads: number[] = [];
    const down: EventBus = {
      ...createMemoryBus(),
      publish: () => Promise.reject(new Error("kafka is down")),
    };
    const relay = createOutboxRelay({ sql, bus: down, onAdvance: (h) => heads.push(h) });
    for (let i = 0; i < 5; i++) {
      await sql.query(
        `insert into outbox (event_id, topic, aggregate_id, payload) values ($1, 'file.uploaded', 'a', '{}')`,
        [crypto.randomUUID()],
      );
    }
    await assert.rejects(relay.runOnce(), /kafka is down/);
    const rows = await sql.query<{ position: number; published_at: Date | null }>(
      "select position, published_at from outbox order by id",
    );
    assert.deepEqual(rows.map((r) => r.position), [1, 2, 3, 4, 5]);
    assert.ok(rows.every((r) => r.published_at === null), "nothing marked published");
    assert.deepEqual(heads, [5], "the doorbell rang with the new head");
    assert.equal(await relay.sequence(), 0, "positions are given once");
  } finally {
    await sql.close();
  }
});
