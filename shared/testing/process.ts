import { parseConfig } from "@colink/config";
import { silentLogger } from "@colink/http";
import { assemble, type Process, RuntimeEnv, type ServiceDefinition } from "@colink/runtime";
import { freePort } from "./wait.ts";

export interface RunningProcess {
  base: string;
  wsBase: string;
  proc: Process;
  close(): Promise<void>;
}

/**
 * Assembles services exactly as main.ts does (embedded adapters unless `env` says otherwise)
 * and serves them on a free loopback port, for tests that need real HTTP or WebSockets.
 */
export async function startProcess(
  services: readonly ServiceDefinition[],
  env: Record<string, string> = {},
  /** Every service of the deployment (the distributed gateway routes by it); default: these. */
  registry?: readonly ServiceDefinition[],
): Promise<RunningProcess> {
  const dataDir = env.DATA_DIR ?? await Deno.makeTempDir({ prefix: "colink-test-" });
  const port = freePort();
  const rawEnv = {
    COLINK_ENV: "test",
    DATA_DIR: dataDir,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...env,
  };
  const proc = await assemble("test", services, parseConfig(RuntimeEnv, rawEnv), {
    logger: silentLogger,
    rawEnv,
    registry,
  });
  const server = Deno.serve({ port, hostname: "127.0.0.1", onListen() {} }, proc.app.fetch);
  return {
    base: `http://127.0.0.1:${port}`,
    wsBase: `ws://127.0.0.1:${port}`,
    proc,
    async close() {
      await proc.drain();
      await server.shutdown();
      await proc.stop();
      if (!env.DATA_DIR) await Deno.remove(dataDir, { recursive: true });
    },
  };
}
