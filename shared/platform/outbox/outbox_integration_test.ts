import assert from "node:assert/strict";
import { freshPostgresDatabase, outboxContract, realServers, requireServer } from "@colink/testing";
import { createKafkaBus } from "../events/kafka_bus.ts";
import { createPostgresSql } from "../sql/postgres_sql.ts";

outboxContract("postgres + kafka", async () => {
  const env = realServers();
  const db = await freshPostgresDatabase("outbox");
  const url = db.url;
  const sql = createPostgresSql({ url, maxConnections: 8 });
  const bus = createKafkaBus({
    brokers: env.KAFKA_BROKERS.split(","),
    clientId: "outbox-contract",
  });
  await requireServer("Kafka", env.KAFKA_BROKERS, () => bus.ping());
  return {
    sql,
    bus,
    async crashRelayAfterPublish() {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("./testdata/crashing_relay.ts", import.meta.url).pathname,
          url,
          env.KAFKA_BROKERS,
        ],
        stdout: "piped",
        stderr: "piped",
      });
      const out = await child.output();
      assert.equal(
        out.signal,
        "SIGKILL",
        `relay process should die by SIGKILL: ${new TextDecoder().decode(out.stderr)}`,
      );
    },
    async dispose() {
      await bus.close();
      await sql.close();
      await db.drop();
    },
  };
});
