import {
  type ChildServer,
  DENO_RUN_PERMISSIONS,
  distributedTestEnv,
  freePort,
  type RunningProcess,
  spawnDeno,
  startProcess,
  stopChild,
  waitHealthy,
} from "@colink/testing";
import { channelsService } from "@colink/svc-channels";
import { messagingService } from "@colink/svc-messaging";
import { presenceService } from "@colink/svc-presence";
import { realtimeService } from "@colink/svc-realtime";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";
import { GENEROUS_LIMITS } from "./testdata/chat_client.ts";
import { realtimeSuite } from "./testdata/realtime_suite.ts";

// The API in one process and two realtime instances, on PostgreSQL, Redis, Kafka and Keycloak: an
// event written through the API reaches sockets on both instances. Instance 0 is
// services/realtime/main.ts in a process of its own, stopped with a real SIGTERM.
realtimeSuite("two instances on postgres + redis + kafka + keycloak", async () => {
  const { env, tokenUrl, drop } = await distributedTestEnv("realtime", GENEROUS_LIMITS);
  const api = [gatewayService, usersService, channelsService, messagingService, presenceService];
  const apiProc = await startProcess(api, env, api);
  const port = freePort();
  const child: ChildServer = spawnDeno(
    "realtime instance 0",
    ["run", ...DENO_RUN_PERMISSIONS, "services/realtime/main.ts"],
    {
      ...env,
      COLINK_ENV: "test",
      PORT: String(port),
      HOST: "127.0.0.1",
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: await Deno.makeTempDir({ prefix: "colink-rt0-" }),
    },
  );
  await waitHealthy(child, `http://127.0.0.1:${port}/health`);
  const second: RunningProcess = await startProcess([realtimeService], env);
  let childStopped = false;
  return {
    api: apiProc.base,
    tokenUrl,
    sockets: [`ws://127.0.0.1:${port}`, second.wsBase],
    sql: apiProc.proc.infra.sql!,
    async stopInstance(i) {
      if (i !== 0) throw new Error("only instance 0 runs in a process of its own");
      childStopped = true;
      const status = await stopChild(child, "SIGTERM");
      if (!status?.success) {
        throw new Error(`instance 0 exited with ${status?.code} after SIGTERM:\n${child.stderr()}`);
      }
    },
    async close() {
      if (!childStopped) await stopChild(child, "SIGTERM");
      await second.close();
      await apiProc.close();
      await drop();
    },
  };
});
