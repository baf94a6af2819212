import { outboxContract } from "@colink/testing";
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
