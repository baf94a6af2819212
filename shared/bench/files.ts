/**
 * deno task bench:files — upload + confirm throughput (files/s, MB/s) for 1 MB and 50 MB files,
 * embedded (local blob store, signature scanner, PGlite) and distributed (MinIO, ClamAV, FerretDB,
 * PostgreSQL, Kafka, Redis, Keycloak), against a baseline in the same run: the same bytes PUT to
 * the same presigned URLs without confirming (what the object store alone costs), and the
 * server's memory (VmRSS sampled every 20 ms) while it checks and scans 50 MB files.
 *
 * Options: --modes=embedded,distributed --small=40 --large=4 --concurrency=4
 */
import { colinkMigrations } from "@colink/db";
import { createPostgresSql } from "@colink/platform/postgres";
import { migrate } from "@colink/platform";
import {
  type ChildServer as Server,
  distributedTestEnv,
  freePort,
  spawnDeno as spawn,
  stopChild as stop,
  waitHealthy,
} from "@colink/testing";
import { tokenFor } from "./messages.ts";
import { progressBar } from "./seed_messages.ts";
import { DENO_RUN_PERMISSIONS, markdownTable, percentile } from "./stats.ts";

type Mode = "embedded" | "distributed";
const MB = 1024 * 1024;
const HIGH = "1000000000";

const arg = (name: string, dflt: string) =>
  Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const modes = arg("modes", "embedded,distributed").split(",") as Mode[];
const SMALL = Number(arg("small", "40"));
const LARGE = Number(arg("large", "4"));
const CONCURRENCY = Number(arg("concurrency", "4"));
const progress = (msg: string) => console.error(`[bench:files] ${msg}`);

interface Client {
  base: string;
  token: string;
  channel: string;
}

async function call<T>(c: Client, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${c.base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${c.token}`,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json as T;
}

interface Timing {
  total: number;
  put: number;
  confirm: number;
}

/** One file through the whole flow (or, for the baseline, only its PUT). */
async function uploadOne(c: Client, bytes: Uint8Array, confirm: boolean): Promise<Timing> {
  const t0 = performance.now();
  const u = await call<{ file_id: string; upload_url: string; headers: Record<string, string> }>(
    c,
    "POST",
    "/api/v1/files/upload-url",
    {
      filename: "bench.bin",
      content_type: "application/octet-stream",
      size_bytes: bytes.length,
      channel_id: c.channel,
    },
  );
  const t1 = performance.now();
  const put = await fetch(u.upload_url, {
    method: "PUT",
    headers: u.headers,
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  await put.body?.cancel();
  if (put.status !== 200) throw new Error(`PUT: ${put.status}`);
  const t2 = performance.now();
  if (confirm) {
    const info = await call<{ status: string }>(c, "POST", `/api/v1/files/${u.file_id}/confirm`);
    if (info.status !== "clean") throw new Error(`confirm: ${JSON.stringify(info)}`);
  }
  const t3 = performance.now();
  return { total: t3 - t0, put: t2 - t1, confirm: t3 - t2 };
}

async function rssMiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

interface Row {
  mode: Mode;
  size: string;
  flow: string;
  n: number;
  filesPerSec: number;
  mbPerSec: number;
  p50: number;
  p99: number;
  putP50: number;
  confirmP50: number;
  confirmP99: number;
}

/** Runs n uploads `concurrency` at a time; times each and the whole phase. */
async function phase(
  c: Client,
  mode: Mode,
  size: number,
  n: number,
  concurrency: number,
  confirm: boolean,
): Promise<Row> {
  const label = `${mode} ${size / MB} MB ${confirm ? "upload + confirm" : "PUT only"}`;
  const bar = progressBar(label, n, "files");
  const bytes = new Uint8Array(size);
  // Incompressible and different per phase (so nothing is deduplicated or cached).
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  const timings: Timing[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        timings.push(await uploadOne(c, bytes, confirm));
        bar.update(timings.length);
      }
    }),
  );
  const secs = (performance.now() - start) / 1000;
  const sorted = (k: keyof Timing) => timings.map((t) => t[k]).sort((a, b) => a - b);
  return {
    mode,
    size: `${size / MB} MB`,
    flow: confirm ? "upload-url + PUT + confirm (scan)" : "baseline: upload-url + PUT only",
    n,
    filesPerSec: n / secs,
    mbPerSec: (n * size) / MB / secs,
    p50: percentile(sorted("total"), 50),
    p99: percentile(sorted("total"), 99),
    putP50: percentile(sorted("put"), 50),
    confirmP50: percentile(sorted("confirm"), 50),
    confirmP99: percentile(sorted("confirm"), 99),
  };
}

async function runMode(mode: Mode): Promise<{ rows: Row[]; memory: string[] }> {
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const work = await Deno.makeTempDir({ prefix: "colink-bench-files-" });
  const common = {
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: base,
    LOG_LEVEL: "warn",
    RATE_LIMIT_READS_PER_MIN: HIGH,
    RATE_LIMIT_WRITES_PER_MIN: HIGH,
    RATE_LIMIT_IP_PER_MIN: HIGH,
  };
  let env: Record<string, string>;
  let args: string[];
  let tokenUrl: string;
  let cleanup = async () => {};
  if (mode === "distributed") {
    const dist = await distributedTestEnv("benchfiles", { COLINK_ENV: "test" });
    const sql = createPostgresSql({ url: dist.env.DATABASE_URL! });
    await migrate(sql, await colinkMigrations());
    await sql.close();
    env = dist.env;
    tokenUrl = dist.tokenUrl;
    args = ["run", ...DENO_RUN_PERMISSIONS, "shared/bench/messages.ts", "--serve"];
    cleanup = () => dist.drop();
  } else {
    env = { COLINK_MODE: "embedded", COLINK_ENV: "development", DATA_DIR: `${work}/data` };
    tokenUrl = `${base}/realms/colink/protocol/openid-connect/token`;
    args = ["run", ...DENO_RUN_PERMISSIONS, "services/gateway/main.ts"];
  }
  let server: Server | undefined;
  try {
    server = spawn(`colink ${mode}`, args, { ...env, ...common });
    await waitHealthy(server, `${base}/health`);
    const token = await tokenFor(tokenUrl, "alice");
    const c: Client = { base, token, channel: "" };
    await call(c, "GET", "/api/v1/me");
    const ws = await call<{ id: string }>(c, "POST", "/api/v1/workspaces", {
      name: "Bench",
      slug: `bench-${crypto.randomUUID().slice(0, 8)}`,
    });
    const chans = await call<{ channels: { id: string }[] }>(
      c,
      "GET",
      `/api/v1/workspaces/${ws.id}/channels`,
    );
    c.channel = chans.channels[0]!.id;
    progress(`${mode}: warming up`);
    await phase(c, mode, MB, 4, 2, true);
    const rows: Row[] = [];
    rows.push(await phase(c, mode, MB, SMALL, CONCURRENCY, false));
    rows.push(await phase(c, mode, MB, SMALL, CONCURRENCY, true));
    rows.push(await phase(c, mode, 50 * MB, LARGE, 1, false));
    // Memory while 50 MB files are confirmed one at a time: sampled all along.
    const pid = server.child.pid;
    const before = await rssMiB(pid);
    let peak = before;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await rssMiB(pid));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    rows.push(await phase(c, mode, 50 * MB, LARGE, 1, true));
    sampling = false;
    await sampler;
    const after = await rssMiB(pid);
    const memory = [
      mode,
      before.toFixed(1),
      peak.toFixed(1),
      (peak - before).toFixed(1),
      after.toFixed(1),
      `${((peak - before) / 50).toFixed(2)}x`,
    ];
    return { rows, memory };
  } finally {
    await stop(server);
    await cleanup();
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

const f = (n: number, d = 1) => n.toLocaleString("en", { maximumFractionDigits: d });
const all: Row[] = [];
const mem: string[][] = [];
for (const mode of modes) {
  const r = await runMode(mode);
  all.push(...r.rows);
  mem.push(r.memory);
}
const baselineOf = (r: Row) =>
  all.find((b) => b.mode === r.mode && b.size === r.size && b.flow.startsWith("baseline"))!;
console.log(
  markdownTable(
    [
      "mode",
      "size",
      "flow",
      "n",
      "files/s",
      "MB/s",
      "p50 ms",
      "p99 ms",
      "PUT p50 ms",
      "confirm p50 ms",
      "confirm p99 ms",
      "MB/s vs PUT only",
    ],
    all.map((r) => [
      r.mode,
      r.size,
      r.flow,
      String(r.n),
      f(r.filesPerSec, 2),
      f(r.mbPerSec),
      f(r.p50),
      f(r.p99),
      f(r.putP50),
      r.flow.startsWith("baseline") ? "-" : f(r.confirmP50),
      r.flow.startsWith("baseline") ? "-" : f(r.confirmP99),
      `${(r.mbPerSec / baselineOf(r).mbPerSec).toFixed(2)}x`,
    ]),
  ),
);
console.log();
console.log(
  markdownTable(
    [
      "mode",
      "server RSS before MiB",
      "peak while confirming 50 MB files MiB",
      "peak - before MiB",
      "after MiB",
      "peak growth / file size",
    ],
    mem,
  ),
);
