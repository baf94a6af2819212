import { distributedTestEnv, startProcess } from "@colink/testing";
import { adminService } from "@colink/svc-admin";
import { channelsService } from "@colink/svc-channels";
import { filesService } from "@colink/svc-files";
import { messagingService } from "@colink/svc-messaging";
import { presenceService } from "@colink/svc-presence";
import { searchService } from "@colink/svc-search";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";
import { authorizationMatrix } from "./testdata/authorization_matrix.ts";
import { type ChatTarget, GENEROUS_LIMITS } from "./testdata/chat_client.ts";
import { conversationsSuite } from "./testdata/conversations_suite.ts";

/** The services conversations (and attachments) need, on the production adapters (a database of its own). */
async function distributed(): Promise<ChatTarget> {
  const { env, tokenUrl, drop } = await distributedTestEnv("conversations", GENEROUS_LIMITS);
  const services = [
    gatewayService,
    usersService,
    channelsService,
    messagingService,
    presenceService,
    filesService,
    adminService,
    searchService,
  ];
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
}

const mode = "postgres + redis + kafka + keycloak";
conversationsSuite(mode, distributed);
authorizationMatrix(mode, distributed);
