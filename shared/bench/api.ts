/**
 * Throughput and latency of the authenticated API path, measured with wrk (1 thread, 32
 * connections) in one run against three rows: a bare Deno.serve answering JSON (baseline),
 * CoLink embedded `GET /health`, and CoLink embedded `GET /api/v1/me` with a Bearer token for
 * the seeded dev user alice. CoLink starts once on a fresh data dir (initdb, migrations, seed),
 * then is restarted on it and loaded (the everyday `deno task dev`). Each row also reports the
 * server's CPU time per request (all threads, from /proc), and a second table the resident memory
 * (VmRSS) of the servers after start-up, after warm-up and after the load.
 *
 *   deno task bench:api [seconds per row, default 10] [--rows=bare,health,me] [--cpu-prof-dir=DIR]
 *
 * --rows loads only some of the rows (ratios to a missing row print as "-"). --cpu-prof-dir runs
 * the loaded CoLink under `deno run --cpu-prof` and leaves its .cpuprofile in DIR when it stops
 * (summarize it with shared/bench/profile_summary.ts). Needs wrk: `apt-get install wrk` (Debian).
 */
import { freePort } from "@colink/testing";
import { DENO_RUN_PERMISSIONS, markdownTable } from "./stats.ts";
import {
  type ChildServer as Server,
  spawnDeno as spawn,
  stopChild,
  waitHealthy,
} from "@colink/testing";
const stop = (s: Server | undefined) => stopChild(s, "SIGINT", 10_000);

const CONNECTIONS = 32;
const THREADS = 1;
const args = Deno.args.filter((a) => !a.startsWith("--"));
const flags = new Map(
  Deno.args.filter((a) => a.startsWith("--")).map((a) => {
    const [k, ...v] = a.slice(2).split("=");
    return [k!, v.join("=")] as const;
  }),
);
const seconds = Number(args[0] ?? 10);
if (!Number.isInteger(seconds) || seconds < 1) {
  console.error(
    "usage: deno task bench:api [seconds per row, an integer >= 1] [--rows=bare,health,me] " +
      "[--cpu-prof-dir=DIR]",
  );
  Deno.exit(64);
}
const warmupSeconds = Math.min(3, seconds);
const cpuProfDir = flags.get("cpu-prof-dir");
const ROWS = ["bare", "health", "me"];
const selected = (flags.get("rows") ?? ROWS.join(",")).split(",");
if (!selected.length || selected.some((r) => !ROWS.includes(r))) {
  console.error(`--rows takes a comma-separated subset of ${ROWS.join(",")}`);
  Deno.exit(64);
}
const perms = DENO_RUN_PERMISSIONS;

const progress = (msg: string) => console.error(`[bench:api] ${msg}`);
/** Pause before reading memory, so the phase's last requests and timers are done. */
const SETTLE_MS = 1_000;
const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));

async function wrkVersion(): Promise<string> {
  try {
    // wrk prints its version with the usage text and exits 1.
    const out = await new Deno.Command("wrk", { args: ["--version"], stdout: "piped" }).output();
    return new TextDecoder().decode(out.stdout).split("\n")[0]!.replace(/\s*\[.*$/, "").trim();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    console.error(
      "[bench:api] wrk is not installed. It is a Debian package: `sudo apt-get install wrk` " +
        "(or `apt-get update && apt-get install -y wrk` as root), then run this again.",
    );
    Deno.exit(69); // EX_UNAVAILABLE
  }
}

/** Share of all cores busy over `ms` (from /proc/stat): other work that would skew the numbers. */
async function machineBusy(ms = 1_000): Promise<number> {
  const sample = async () => {
    const out = await new Deno.Command("cat", { args: ["/proc/stat"] }).output();
    const cpu = new TextDecoder().decode(out.stdout).split("\n")[0]!.trim().split(/\s+/).slice(1)
      .map(Number);
    const idle = cpu[3]! + (cpu[4] ?? 0); // idle + iowait
    return { idle, total: cpu.reduce((a, b) => a + b, 0) };
  };
  const a = await sample();
  await new Promise((r) => setTimeout(r, ms));
  const b = await sample();
  return 1 - (b.idle - a.idle) / Math.max(1, b.total - a.total);
}

/** CPU time (user + system, all threads) a process has used so far, in ms, from /proc. */
async function cpuMs(pid: number): Promise<number> {
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/stat`] }).output();
  if (!out.success) throw new Error(`cannot read /proc/${pid}/stat`);
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = new TextDecoder().decode(out.stdout).replace(/^.*\) /s, "").split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ is 100 on Linux
}

/** VmRSS and VmHWM (peak) of a process, in MiB, from /proc. */
async function memory(pid: number): Promise<{ rss: number; peak: number }> {
  // Deno wants --allow-all to read /proc directly; `cat` needs only --allow-run.
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/status`] }).output();
  if (!out.success) throw new Error(`cannot read /proc/${pid}/status`);
  const status = new TextDecoder().decode(out.stdout);
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { rss: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
}

interface WrkResult {
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  requests: number;
  errors: number;
}

const toMs = (v: string, unit: string) =>
  Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit] ?? NaN);

/** Parses `wrk --latency` output. Errors: non-2xx/3xx answers plus socket errors. */
export function parseWrk(out: string): WrkResult {
  const pct = (p: number) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, "m").exec(out);
    if (!m) throw new Error(`no ${p}% latency in wrk output:\n${out}`);
    return toMs(m[1]!, m[2]!);
  };
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(out);
  if (!rps) throw new Error(`no Requests/sec in wrk output:\n${out}`);
  const sockets = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  return {
    rps: Number(rps[1]),
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
    errors: Number(non2xx?.[1] ?? 0) +
      (sockets ? sockets.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}

async function wrk(label: string, url: string, secs: number, headers: string[] = []) {
  const start = performance.now();
  const tty = Deno.stderr.isTerminal();
  const tick = setInterval(() => {
    const s = Math.round((performance.now() - start) / 1000);
    if (tty) {
      Deno.stderr.writeSync(new TextEncoder().encode(`\r[bench:api] ${label}: ${s}/${secs} s `));
    } else if (s % 5 === 0) progress(`${label}: ${s}/${secs} s`);
  }, 1_000);
  try {
    const out = await new Deno.Command("wrk", {
      args: [
        `-t${THREADS}`,
        `-c${CONNECTIONS}`,
        `-d${secs}s`,
        "--latency",
        ...headers.flatMap((h) => ["-H", h]),
        url,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    if (!out.success) throw new Error(`wrk failed: ${new TextDecoder().decode(out.stderr)}${text}`);
    return parseWrk(text);
  } finally {
    clearInterval(tick);
    if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
  }
}

async function main() {
  const wrkName = await wrkVersion();
  const dataDir = await Deno.makeTempDir({ prefix: "colink-bench-api-" });
  let bare: Server | undefined;
  let colink: Server | undefined;
  const cleanup = async () => {
    await Promise.all([stop(bare), stop(colink)]);
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  };
  const onSigint = () => cleanup().finally(() => Deno.exit(130));
  Deno.addSignalListener("SIGINT", onSigint);
  try {
    const barePort = freePort();
    const colinkPort = freePort();
    const bareUrl = `http://127.0.0.1:${barePort}/`;
    const colinkUrl = `http://127.0.0.1:${colinkPort}`;
    const busyBefore = await machineBusy();
    progress("starting bare Deno.serve and CoLink embedded on a fresh data dir");
    bare = spawn("bare Deno.serve", [
      "run",
      "--allow-net",
      "shared/bench/bare_server.ts",
      String(barePort),
    ], {});
    const high = "1000000000";
    const startColink = (profile: boolean) =>
      spawn("CoLink embedded", [
        "run",
        ...perms,
        ...(profile && cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`] : []),
        "services/gateway/main.ts",
      ], {
        COLINK_MODE: "embedded",
        COLINK_ENV: "development",
        DATA_DIR: dataDir,
        PORT: String(colinkPort),
        HOST: "127.0.0.1",
        PUBLIC_URL: colinkUrl,
        EMBEDDED_ISSUER_ACCESS_TTL_SEC: "86400",
        RATE_LIMIT_READS_PER_MIN: high,
        RATE_LIMIT_WRITES_PER_MIN: high,
        RATE_LIMIT_IP_PER_MIN: high,
        RATE_LIMIT_LOGIN_PER_MIN: high,
      });
    await waitHealthy(bare, bareUrl);
    // The first start creates the database (initdb, migrations, seed): its memory is measured but
    // not loaded. The rows run against a restart on that data dir, the everyday `deno task dev`.
    colink = startColink(false);
    const freshMs = await waitHealthy(colink, `${colinkUrl}/health`);
    await settle();
    const memFresh = await memory(colink.child.pid);
    await stop(colink);
    progress(
      `first start (fresh data dir) healthy after ${(freshMs / 1000).toFixed(1)} s; restarting`,
    );
    colink = startColink(true);
    const startupMs = await waitHealthy(colink, `${colinkUrl}/health`);
    progress(`CoLink healthy after ${(startupMs / 1000).toFixed(1)} s`);
    const token = await aliceToken(colinkUrl);

    await settle();
    const mem = async () => ({
      bare: await memory(bare!.child.pid),
      colink: await memory(colink!.child.pid),
    });
    const memStart = await mem();

    const rows = [
      {
        key: "bare",
        name: "bare Deno.serve JSON",
        pid: bare.child.pid,
        url: bareUrl,
        headers: [] as string[],
      },
      {
        key: "health",
        name: "CoLink GET /health",
        pid: colink.child.pid,
        url: `${colinkUrl}/health`,
        headers: [],
      },
      {
        key: "me",
        name: "CoLink GET /api/v1/me (Bearer)",
        pid: colink.child.pid,
        url: `${colinkUrl}/api/v1/me`,
        headers: [`Authorization: Bearer ${token}`],
      },
    ].filter((r) => selected.includes(r.key));
    for (const [i, r] of rows.entries()) {
      await wrk(`warm-up ${i + 1}/${rows.length} ${r.name}`, r.url, warmupSeconds, r.headers);
    }
    await settle();
    const memWarm = await mem();

    const results = new Map<string, WrkResult & { cpuUsPerReq: number }>();
    for (const [i, r] of rows.entries()) {
      const cpuBefore = await cpuMs(r.pid);
      const w = await wrk(`row ${i + 1}/${rows.length} ${r.name}`, r.url, seconds, r.headers);
      const cpu = await cpuMs(r.pid) - cpuBefore;
      results.set(r.key, { ...w, cpuUsPerReq: (cpu * 1000) / w.requests });
    }
    const memLoad = await mem();

    const f1 = (x: number) => x.toFixed(1);
    const f2 = (x: number) => x.toFixed(2);
    const ratio = (a: number, base: number | undefined) => base ? `${f2(a / base)}x` : "-";
    const bareRps = results.get("bare")?.rps;
    const healthRps = results.get("health")?.rps;
    console.log(
      `\nwrk -t${THREADS} -c${CONNECTIONS} -d${seconds}s --latency, after ${warmupSeconds} s warm-up per row; ` +
        `${Deno.build.target}, ${navigator.hardwareConcurrency} cores, deno ${Deno.version.deno}, ${wrkName}; ` +
        `machine ${(busyBefore * 100).toFixed(0)}% busy just before\n`,
    );
    console.log(markdownTable(
      [
        "case",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "requests",
        "errors",
        "server CPU µs/req",
        "req/s vs bare",
        "req/s vs /health",
      ],
      rows.map((r) => {
        const w = results.get(r.key)!;
        return [
          r.name,
          w.rps.toFixed(0),
          f2(w.p50),
          f2(w.p90),
          f2(w.p99),
          String(w.requests),
          String(w.errors),
          f1(w.cpuUsPerReq),
          ratio(w.rps, bareRps),
          r.key === "bare" ? "-" : ratio(w.rps, healthRps),
        ];
      }),
    ));
    const meRps = results.get("me")?.rps;
    if (meRps && healthRps) {
      const r = meRps / healthRps;
      console.log(
        `\n/api/v1/me vs /health: ${f2(r)}x (target >= 0.50x: ${r >= 0.5 ? "met" : "NOT met"})`,
      );
    }
    console.log(
      `\nResident memory (VmRSS, MiB, ${
        SETTLE_MS / 1000
      } s after each phase; peak is VmHWM at the end)\n`,
    );
    const memRow = (name: string, key: "bare" | "colink") => [
      name,
      f1(memStart[key].rss),
      f1(memWarm[key].rss),
      f1(memLoad[key].rss),
      f1(memLoad[key].peak),
      ratio(memStart[key].rss, memStart.bare.rss),
    ];
    console.log(markdownTable(
      ["process", "idle after start-up", "after warm-up", "after load", "peak", "idle vs bare"],
      [
        memRow("bare Deno.serve", "bare"),
        [
          "CoLink, first start (fresh data dir)",
          f1(memFresh.rss),
          "-",
          "-",
          f1(memFresh.peak),
          ratio(memFresh.rss, memStart.bare.rss),
        ],
        memRow("CoLink, restart on that data dir", "colink"),
      ],
    ));
    if ([...results.values()].some((r) => r.errors > 0)) {
      progress("WARNING: some requests failed (errors column); the numbers are suspect");
    }
    if (busyBefore > 0.1) {
      progress(
        `WARNING: the machine was ${(busyBefore * 100).toFixed(0)}% busy before the run: ` +
          "other work competes for the cores and skews the numbers",
      );
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
    progress("stopping servers");
    await cleanup();
    if (cpuProfDir) progress(`CPU profile of CoLink written to ${cpuProfDir}`);
  }
}

/** An access token for the seeded dev user alice (password grant), checked against /me. */
async function aliceToken(colinkUrl: string): Promise<string> {
  const res = await fetch(`${colinkUrl}/realms/colink/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "password",
      client_id: "colink-cli",
      username: "alice",
      password: "colink-dev",
    }),
  });
  const body = await res.json();
  if (!res.ok || typeof body.access_token !== "string") {
    throw new Error(`no token for alice: HTTP ${res.status} ${JSON.stringify(body)}`);
  }
  const me = await fetch(`${colinkUrl}/api/v1/me`, {
    headers: { authorization: `Bearer ${body.access_token}` },
  });
  const meBody = await me.json();
  if (me.status !== 200 || meBody.username !== "alice") {
    throw new Error(`GET /api/v1/me: HTTP ${me.status} ${JSON.stringify(meBody)}`);
  }
  return body.access_token;
}

if (import.meta.main) await main();
