import assert from "node:assert/strict";
import { outboxContract, realServers, requireServer, uniqueSuffix } from "@colink/testing";
import { createKafkaBus } from "../events/kafka_bus.ts";
import { createPostgresSql } from "../sql/postgres_sql.ts";

outboxContract("postgres + kafka", async () => {
  const env = realServers();
  const admin = createPostgresSql({ url: env.DATABASE_URL, maxConnections: 1 });
  await requireServer("PostgreSQL", env.DATABASE_URL, () => admin.ping());
  const name = `colink_outbox_${uniqueSuffix()}`;
  await admin.exec(`create database ${name}`);
  const url = new URL(env.DATABASE_URL);
  url.pathname = `/${name}`;
  const sql = createPostgresSql({ url: url.toString(), maxConnections: 8 });
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
          url.toString(),
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
      await admin.exec(`drop database if exists ${name} with (force)`);
      await admin.close();
    },
  };
});
