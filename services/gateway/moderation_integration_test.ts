import {
  createKeycloakUser,
  distributedTestEnv,
  realServers,
  startProcess,
  uniqueSuffix,
} from "@colink/testing";
import { adminService } from "@colink/svc-admin";
import { channelsService } from "@colink/svc-channels";
import { messagingService } from "@colink/svc-messaging";
import { realtimeService } from "@colink/svc-realtime";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";
import { GENEROUS_LIMITS } from "./testdata/chat_client.ts";
import { moderationSuite } from "./testdata/moderation_suite.ts";

// Three instances on PostgreSQL, FerretDB, Kafka, Redis and Keycloak: the API with the admin
// service takes the actions; a second API instance and a realtime instance (each with its own
// principal cache) must refuse and close a banned user within 5 seconds; Keycloak disables them.
moderationSuite("three instances on postgres + ferretdb + kafka + redis + keycloak", async () => {
  const s = realServers();
  const { env, tokenUrl, drop } = await distributedTestEnv("moderation", {
    ...GENEROUS_LIMITS,
    ADMIN_SWEEP_INTERVAL_SEC: "0.5",
  });
  const adminEnv = {
    ...env,
    KEYCLOAK_ADMIN_URL: s.KEYCLOAK_URL,
    KEYCLOAK_ADMIN_USERNAME: s.KEYCLOAK_ADMIN_USERNAME,
    KEYCLOAK_ADMIN_PASSWORD: s.KEYCLOAK_ADMIN_PASSWORD,
  };
  const api = [gatewayService, usersService, channelsService, messagingService, adminService];
  const a = await startProcess(api, adminEnv, api);
  const b = await startProcess([usersService], env);
  const rt = await startProcess([realtimeService], env);
  return {
    base: a.base,
    otherApi: b.base,
    wsBase: rt.wsBase,
    tokenUrl,
    bus: a.proc.infra.bus!,
    sql: a.proc.infra.sql!,
    docs: a.proc.infra.docs!,
    async banTarget() {
      const u = await createKeycloakUser(`banned-${uniqueSuffix().toLowerCase().slice(-10)}`);
      return {
        username: u.username,
        password: u.password,
        idpEnabled: () => u.enabled(),
        cleanup: () => u.remove(),
      };
    },
    async close() {
      await rt.close();
      await b.close();
      await a.close();
      await drop();
    },
  };
});
