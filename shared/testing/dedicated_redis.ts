import { eventually, freePort } from "./wait.ts";

/**
 * A Redis server of the test's own (the real `redis-server` binary deploy/local installs), on a
 * free port, so a test can stop, freeze or restart it without disturbing any other test.
 */
export interface DedicatedRedis {
  readonly port: number;
  readonly url: string;
  /** Starts (or restarts) the server and waits until it accepts connections. */
  start(): Promise<void>;
  /** SIGSTOP: the server keeps its connections but answers nothing (a hung Redis). */
  freeze(): void;
  thaw(): void;
  /** SIGKILL: connections drop; without persistence the data is gone. */
  kill(): Promise<void>;
}

export function dedicatedRedis(port = freePort()): DedicatedRedis {
  let child: Deno.ChildProcess | undefined;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = new Deno.Command("redis-server", {
        args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout: "null",
        stderr: "null",
      }).spawn();
      await eventually(async () => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        conn.close();
      }, { timeoutMs: 10_000 });
    },
    freeze: () => Deno.kill(child!.pid, "SIGSTOP"),
    thaw: () => Deno.kill(child!.pid, "SIGCONT"),
    async kill() {
      if (!child) return;
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      child = undefined;
    },
  };
}
