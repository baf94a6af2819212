// Test fixture: a real relay process that SIGKILLs itself right after Kafka acknowledged a batch,
// before its transaction can mark the rows published. Usage: crashing_relay.ts <db url> <brokers>
import { createKafkaBus } from "../../events/kafka_bus.ts";
import { createPostgresSql } from "../../sql/postgres_sql.ts";
import { createOutboxRelay } from "../relay.ts";

const [url, brokers] = Deno.args;
const sql = createPostgresSql({ url: url!, maxConnections: 1 });
const kafka = createKafkaBus({ brokers: brokers!.split(","), clientId: "crashing-relay" });
const relay = createOutboxRelay({
  sql,
  bus: {
    ...kafka,
    async publish(messages) {
      await kafka.publish(messages);
      Deno.kill(Deno.pid, "SIGKILL");
    },
  },
});
await relay.runOnce();
throw new Error("unreachable: the relay should have been killed");
