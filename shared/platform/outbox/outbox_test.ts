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

Deno.test("prune() drops published rows and dedupe records past the retention, never unpublished rows", async () => {
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
    assert.equal(await relay.prune(), 1);
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
