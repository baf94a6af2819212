import { distributedTestEnv, startProcess } from "@colink/testing";
import { channelsService } from "@colink/svc-channels";
import { messagingService } from "@colink/svc-messaging";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";
import { GENEROUS_LIMITS } from "./testdata/chat_client.ts";
import { conversationsSuite } from "./testdata/conversations_suite.ts";

conversationsSuite("postgres + redis + kafka + keycloak", async () => {
  const { env, tokenUrl, drop } = await distributedTestEnv("conversations", GENEROUS_LIMITS);
  // The services conversations need, on the production adapters, in one process.
  const services = [gatewayService, usersService, channelsService, messagingService];
  const proc = await startProcess(services, env, services);
  return {
    base: proc.base,
    tokenUrl,
    bus: proc.proc.infra.bus!,
    sql: proc.proc.infra.sql!,
    async close() {
      await proc.close();
      await drop();
    },
  };
});
