import { eventBusContract, realServers, requireServer } from "@colink/testing";
import { createKafkaBus } from "./kafka_bus.ts";

eventBusContract("kafka", async () => {
  const brokers = realServers().KAFKA_BROKERS.split(",");
  const bus = createKafkaBus({ brokers, clientId: "colink-contract", partitions: 6 });
  await requireServer("Kafka", brokers.join(","), () => bus.ping());
  return bus;
});
