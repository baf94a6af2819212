import { distributedTestEnv, type RunningProcess, startProcess } from "@colink/testing";
import { channelsService } from "@colink/svc-channels";
import { messagingService } from "@colink/svc-messaging";
import { presenceService } from "@colink/svc-presence";
import { realtimeService } from "@colink/svc-realtime";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";
import { GENEROUS_LIMITS } from "./testdata/chat_client.ts";
import { realtimeSuite } from "./testdata/realtime_suite.ts";

// The API in one process and two realtime instances, on PostgreSQL, Redis and Keycloak: an
// event written through the API reaches sockets on both instances.
realtimeSuite("two instances on postgres + redis + kafka + keycloak", async () => {
  const { env, tokenUrl, drop } = await distributedTestEnv("realtime", GENEROUS_LIMITS);
  const api = [gatewayService, usersService, channelsService, messagingService, presenceService];
  const apiProc = await startProcess(api, env, api);
  const instances: RunningProcess[] = [];
  for (let i = 0; i < 2; i++) instances.push(await startProcess([realtimeService], env));
  const stopped = new Set<number>();
  return {
    api: apiProc.base,
    tokenUrl,
    sockets: instances.map((p) => p.wsBase),
    sql: apiProc.proc.infra.sql!,
    async stopInstance(i) {
      stopped.add(i);
      await instances[i]!.close();
    },
    async close() {
      for (const [i, p] of instances.entries()) if (!stopped.has(i)) await p.close();
      await apiProc.close();
      await drop();
    },
  };
});
