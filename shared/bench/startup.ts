/**
 * Start-up time of the embedded CoLink process (`deno task dev`): from spawning the process to
 * the first 200 from GET /health, on a warm dependency cache. Cases: a bare Deno server
 * (baseline), CoLink on a fresh data dir (migrations + seed), CoLink restarting on existing data.
 *
 *   deno task bench:startup [runs]
 */
import { freePort } from "@colink/testing";
import { DENO_RUN_PERMISSIONS, REPO_ROOT, summarize, table } from "./stats.ts";

const runs = Number(Deno.args[0] ?? 10);
const root = REPO_ROOT;
const perms = DENO_RUN_PERMISSIONS;

async function timeToHealthy(
  args: string[],
  env: Record<string, string>,
  port: number,
): Promise<number> {
  const start = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env,
    cwd: root,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let elapsed: number | undefined;
  while (elapsed === undefined && performance.now() - start < 60_000) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      await res.body?.cancel();
      if (res.status === 200) elapsed = performance.now() - start;
    } catch { /* not listening yet */ }
    if (elapsed === undefined) await new Promise((r) => setTimeout(r, 5));
  }
  child.kill("SIGINT");
  const [status, err] = await Promise.all([child.status, new Response(child.stderr).text()]);
  if (elapsed === undefined || (!status.success && status.signal !== "SIGINT")) {
    throw new Error(`no healthy start (exit ${status.code}): ${err}`);
  }
  return elapsed;
}

const cases: { name: string; run: () => Promise<number> }[] = [
  {
    name: "bare Deno.serve",
    run: () => {
      const port = freePort();
      return timeToHealthy(
        ["run", "--allow-net", "shared/bench/bare_server.ts", String(port)],
        {},
        port,
      );
    },
  },
  {
    name: "colink dev, fresh data dir",
    run: async () => {
      const dir = await Deno.makeTempDir();
      const port = freePort();
      try {
        return await timeToHealthy(["run", ...perms, "services/gateway/main.ts"], {
          PORT: String(port),
          DATA_DIR: dir,
          LOG_LEVEL: "warn",
        }, port);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  },
];

const warmDir = await Deno.makeTempDir();
cases.push({
  name: "colink dev, restart on existing data",
  run: () => {
    const port = freePort();
    return timeToHealthy(["run", ...perms, "services/gateway/main.ts"], {
      PORT: String(port),
      DATA_DIR: warmDir,
      LOG_LEVEL: "warn",
    }, port);
  },
});

// One unmeasured run per case warms the module cache and creates the warm data dir.
for (const c of cases) await c.run();

const samples = new Map(cases.map((c) => [c.name, [] as number[]]));
for (let i = 1; i <= runs; i++) {
  // Interleave cases so machine noise spreads evenly over them.
  for (const c of cases) samples.get(c.name)!.push(await c.run());
  console.error(`[bench:startup] run ${i}/${runs} done`);
}
await Deno.remove(warmDir, { recursive: true });

console.log(
  `\nStart-up to first 200 from /health, ${runs} runs per case, ${Deno.build.target}, deno ${Deno.version.deno}\n`,
);
console.log(table([...samples].map(([name, s]) => summarize(name, s)), "bare Deno.serve"));
