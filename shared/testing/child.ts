/**
 * Child `deno` processes for tests and benchmarks: a service's own main.ts in a process of its
 * own, so a test can send it a real SIGTERM (and a benchmark can measure it from outside).
 */
import { sleep } from "./wait.ts";

/** The repository root: children run from it, as `deno task` does. */
export const REPO_ROOT = new URL("../../", import.meta.url).pathname;

/** The permissions a service's `deno run` gets (as deno.json's tasks give them). */
export const DENO_RUN_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-sys",
  "--allow-run",
];

export interface ChildServer {
  name: string;
  child: Deno.ChildProcess;
  /** The last few KB of its stderr (for error messages). */
  stderr: () => string;
}

/** Keeps the last few KB of a child's stderr without ever blocking it. */
export function drainTail(stream: ReadableStream<Uint8Array>): () => string {
  let tail = "";
  (async () => {
    const dec = new TextDecoder();
    for await (const chunk of stream) tail = (tail + dec.decode(chunk)).slice(-8_000);
  })().catch(() => {});
  return () => tail;
}

/** What a child needs from this environment (the Deno cache), and nothing that picks adapters. */
export function baseEnv(): Record<string, string> {
  const keep = ["HOME", "PATH", "DENO_DIR", "TMPDIR", "LANG", "NO_COLOR"];
  return Object.fromEntries(
    keep.flatMap((k) => (Deno.env.get(k) === undefined ? [] : [[k, Deno.env.get(k)!]])),
  );
}

/** `deno <args>` in the repository root with only `env` (plus the Deno cache's variables). */
export function spawnDeno(name: string, args: string[], env: Record<string, string>): ChildServer {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env: { ...baseEnv(), ...env },
    clearEnv: true,
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  return { name, child, stderr: drainTail(child.stderr) };
}

/** Waits for `url` to answer 200; the time it took, in ms. Fails at once if the child exits. */
export async function waitHealthy(
  s: ChildServer,
  url: string,
  timeoutMs = 120_000,
): Promise<number> {
  const start = performance.now();
  let exited = false;
  s.child.status.then(() => (exited = true));
  while (performance.now() - start < timeoutMs && !exited) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.status === 200) return performance.now() - start;
    } catch { /* not listening yet */ }
    await sleep(20);
  }
  throw new Error(`${s.name} did not become healthy at ${url}:\n${s.stderr()}`);
}

/** Signals the child (SIGINT by default) and waits for it; SIGKILL if it lingers. */
export async function stopChild(
  s: ChildServer | undefined,
  signal: Deno.Signal = "SIGINT",
  killAfterMs = 15_000,
): Promise<Deno.CommandStatus | undefined> {
  if (!s) return undefined;
  try {
    s.child.kill(signal);
  } catch { /* already gone */ }
  const timer = setTimeout(() => {
    try {
      s.child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, killAfterMs);
  const status = await s.child.status;
  clearTimeout(timer);
  return status;
}
