/**
 * The messaging benchmark: sustained sends through the HTTP API (group commit, durable outbox)
 * with history reads alongside, on a channel bulk-seeded with 1,000,000 messages, in both modes,
 * against a bare INSERT loop on the same database measured in the same run.
 *
 *   deno task bench:messages [--modes=distributed,embedded] [--messages=1000000] [--seconds=20]
 *     [--rate=2000] [--read-rate=200] [--connections=128] [--saturate-seconds=10]
 *     [--baseline-inserts=10000] [--idempotency] [--cpu-prof-dir=DIR] [--keep]
 *
 * Per mode:
 *
 * 1. A fresh database (distributed: a database of its own on the real PostgreSQL, as
 *    distributedTestEnv makes for tests, with Redis keys under its own prefix and Kafka and
 *    Keycloak from deploy/local; embedded: a temporary data dir for PGlite), migrated and
 *    bulk-seeded by seed_messages.ts (one channel, N messages, a progress bar).
 * 2. CoLink in a child process with every service of services/gateway/registry.ts: embedded, the
 *    everyday `services/gateway/main.ts` (`deno task dev`); distributed, this file with `--serve`,
 *    which serves every service in one process on the real adapters (main.ts in distributed mode
 *    runs the gateway alone, in front of services in other processes). A child process rather
 *    than startProcess() in this one: the benchmark's own work (parsing wrk's output, the
 *    verification queries, the bare INSERT loop) must not run on the server's event loop, and the
 *    server's CPU time is then readable on its own from /proc. Rate limits are raised by env
 *    (RATE_LIMIT_*_PER_MIN, services/gateway/config.ts) so they measure their cost, not their
 *    budget.
 * 3. Access tokens for alice, bob, carol and mia (password grant, client colink-cli: the embedded
 *    issuer, or Keycloak's dev realm), checked against /api/v1/me; the seed made them members.
 * 4. Load, with wrk (C, one thread each, so the load generator takes little of the 2 cores):
 *    - open-loop sends: POST /api/v1/channels/{cid}/messages at --rate for --seconds over
 *      --connections connections. Each request has a slot on a fixed schedule (rate); its
 *      acknowledgement latency is counted from that slot (or from the send, if earlier), so a
 *      server that falls behind shows it in the latency instead of slowing the load down (no
 *      coordinated omission). Requests are matched to responses by X-Request-Id, which the
 *      server echoes; the ids of acknowledged messages are kept for the verification.
 *    - alongside, history reads at --read-rate, half the newest page (limit=50), half a deep page
 *      (limit=50&before=<id of the message at seq 101>: the 50 top-level messages ~1M back).
 *    - then saturated sends: closed loop (each of 64 connections sends when answered), no reads,
 *      --saturate-seconds: the most this process does, to compare with the bare INSERT loop.
 * 5. Verification: every acknowledged message id is in the database; the channel's rows are gap
 *    free (count = last_seq); every message written has its message.created outbox row, and the
 *    outbox relay has published them all (published_at set only after Kafka acknowledged).
 * 6. The baseline, with CoLink stopped: single-row INSERTs into messages (autocommit, same table,
 *    same indexes, same million rows), one connection in sequence, then 8 connections at once;
 *    PostgreSQL through postgres.js directly (a prepared statement), PGlite through its query().
 *
 * Each phase also reports the CPU time of every process on the machine (from /proc), grouped:
 * the CoLink server, PostgreSQL, wrk, Kafka and Keycloak, Redis, anything else.
 *
 * Output: progress on stderr; a table per mode and a summary against the issue's targets on
 * stdout. Benchmarks print, never assert. Needs wrk (`apt-get install wrk`) and, for the
 * distributed mode, deploy/local up (`bash deploy/local/status.sh`).
 */
import { colinkMigrations } from "@colink/db";
import { createPgliteSql, migrate, type Sql } from "@colink/platform";
import { distributedTestEnv, freePort, passwordGrant, realServers } from "@colink/testing";
import { messageIdAt, type SeededChannel, seedMessages } from "./seed_messages.ts";
import { DENO_RUN_PERMISSIONS, markdownTable, percentile, REPO_ROOT } from "./stats.ts";
import {
  type ChildServer as Server,
  spawnDeno as spawn,
  stopChild as stop,
  waitHealthy,
} from "@colink/testing";

// --serve: the distributed all-in-one process (see 2. above). Imported lazily so the benchmark
// itself does not load every service.
if (import.meta.main && Deno.args.includes("--serve")) {
  const { serve } = await import("@colink/runtime");
  const { SERVICES } = await import("../../services/gateway/registry.ts");
  await serve({ name: "colink", services: SERVICES });
  Deno.exit(0);
}

type Mode = "distributed" | "embedded";
const MODES: Mode[] = ["distributed", "embedded"];
const TOKEN_USERS = ["alice", "bob", "carol", "mia"];
/** The deep page: before the top-level message at this position. */
const DEEP_SEQ = 101;
const SATURATE_CONNECTIONS = 64;
const READ_CONNECTIONS = 16;
const WARMUP_SECONDS = 3;
const BASELINE_CONCURRENCY = 8;

interface Options {
  modes: Mode[];
  messages: number;
  seconds: number;
  rate: number;
  readRate: number;
  connections: number;
  saturateSeconds: number;
  baselineInserts: number;
  idempotency: boolean;
  cpuProfDir?: string;
  keep: boolean;
}

function parseOptions(): Options {
  const flags = new Map(
    Deno.args.map((a) => {
      const [k, ...v] = a.replace(/^--/, "").split("=");
      return [k!, v.join("=")] as const;
    }),
  );
  const known = [
    "modes",
    "messages",
    "seconds",
    "rate",
    "read-rate",
    "connections",
    "saturate-seconds",
    "baseline-inserts",
    "idempotency",
    "cpu-prof-dir",
    "keep",
  ];
  const num = (k: string, d: number, min: number) => {
    const v = flags.has(k) ? Number(flags.get(k)) : d;
    if (!Number.isInteger(v) || v < min) usage(`--${k} takes an integer >= ${min}`);
    return v;
  };
  const bad = Deno.args.filter((a) =>
    !a.startsWith("--") || !known.includes(a.slice(2).split("=")[0]!)
  );
  if (bad.length) usage(`unknown argument ${bad[0]}`);
  const modes = (flags.get("modes") || MODES.join(",")).split(",") as Mode[];
  if (modes.some((m) => !MODES.includes(m))) usage(`--modes takes ${MODES.join(",")}`);
  return {
    modes,
    messages: num("messages", 1_000_000, DEEP_SEQ),
    seconds: num("seconds", 20, 1),
    rate: num("rate", 2_000, 1),
    readRate: num("read-rate", 200, 0),
    connections: num("connections", 128, 1),
    saturateSeconds: num("saturate-seconds", 10, 0),
    baselineInserts: num("baseline-inserts", 10_000, BASELINE_CONCURRENCY),
    idempotency: flags.has("idempotency"),
    cpuProfDir: flags.get("cpu-prof-dir") || undefined,
    keep: flags.has("keep"),
  };
}

function usage(why: string): never {
  console.error(
    `${why}\nusage: deno task bench:messages [--modes=distributed,embedded] [--messages=1000000] ` +
      "[--seconds=20] [--rate=2000] [--read-rate=200] [--connections=128] [--saturate-seconds=10] " +
      "[--baseline-inserts=10000] [--idempotency] [--cpu-prof-dir=DIR] [--keep]",
  );
  Deno.exit(64);
}

const progress = (msg: string) => console.error(`[bench:messages] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : "-";

// ---------------------------------------------------------------------------------------------
// Processes

// ---------------------------------------------------------------------------------------------
// CPU accounting, from /proc (through `cat`: Deno wants --allow-all to read /proc directly)

interface ProcCpu {
  comm: string;
  /** User + system time, ms. */
  ms: number;
  /** Of its children that exited and were waited for. */
  childrenMs: number;
}
type CpuSample = { at: number; procs: Map<number, ProcCpu>; stat: number[] };

async function cpuSample(): Promise<CpuSample> {
  const out = await new Deno.Command("sh", {
    args: ["-c", "cat /proc/stat; cat /proc/[0-9]*/stat 2>/dev/null; true"],
    stdout: "piped",
  }).output();
  const lines = new TextDecoder().decode(out.stdout).split("\n");
  const stat = lines[0]!.trim().split(/\s+/).slice(1).map(Number);
  const procs = new Map<number, ProcCpu>();
  for (const line of lines) {
    const open = line.indexOf(" (");
    const close = line.lastIndexOf(") ");
    if (open < 0 || close < 0 || !/^\d+$/.test(line.slice(0, open))) continue;
    const fields = line.slice(close + 2).split(" ");
    // utime, stime, cutime, cstime (fields 14 to 17 of the line), in USER_HZ = 100 per second.
    procs.set(Number(line.slice(0, open)), {
      comm: line.slice(open + 2, close),
      ms: (Number(fields[11]) + Number(fields[12])) * 10,
      childrenMs: (Number(fields[13]) + Number(fields[14])) * 10,
    });
  }
  return { at: performance.now(), procs, stat };
}

interface CpuUse {
  seconds: number;
  /** CPU seconds by process group. */
  groups: Map<string, number>;
  /** Share of the machine's cores busy over the window. */
  machineBusy: number;
}

function cpuUse(a: CpuSample, b: CpuSample, serverPid: number): CpuUse {
  const groups = new Map<string, number>();
  const group = (pid: number, comm: string) =>
    pid === serverPid
      ? "CoLink server (deno)"
      : pid === Deno.pid
      ? "benchmark driver (deno)"
      : comm === "postgres"
      ? "PostgreSQL (all backends)"
      : comm === "java"
      ? "java (Kafka, Keycloak)"
      : comm.startsWith("redis")
      ? "Redis"
      : `other processes (${comm === "deno" ? "deno: other programs" : "not deno"})`;
  // wrk runs and exits between the samples: its time is in this process's children's time.
  const self = (s: CpuSample) => s.procs.get(Deno.pid)?.childrenMs ?? 0;
  groups.set("wrk (load generator)", (self(b) - self(a)) / 1000);
  for (const [pid, p] of b.procs) {
    const before = a.procs.get(pid);
    const ms = before && before.comm === p.comm ? p.ms - before.ms : p.ms;
    if (ms <= 0) continue;
    const g = group(pid, p.comm);
    groups.set(g, (groups.get(g) ?? 0) + ms / 1000);
  }
  // /proc/stat: user nice system idle iowait irq softirq steal (guest time is inside user).
  const d = (i: number) => (b.stat[i] ?? 0) - (a.stat[i] ?? 0);
  const total = Math.max(1, [0, 1, 2, 3, 4, 5, 6, 7].reduce((x, i) => x + d(i), 0));
  const busy = 1 - (d(3) + d(4)) / total;
  const seconds = (b.at - a.at) / 1000;
  const cores = total / 100 / seconds; // USER_HZ ticks over all cores
  // Busy time no process was charged with: interrupts (loopback TCP runs in softirq), time the
  // hypervisor gave to others (steal), processes that exited between the samples.
  const attributed = [...groups.values()].reduce((x, y) => x + y, 0);
  const steal = d(7) / 100;
  const rest = busy * cores * seconds - attributed - steal;
  if (steal > 0) groups.set("stolen by the hypervisor (steal)", steal);
  if (rest > 0) groups.set("unattributed (interrupts, softirq, exited processes)", rest);
  return { seconds, groups, machineBusy: busy };
}

// ---------------------------------------------------------------------------------------------
// Load generation with wrk

interface WrkConfig {
  tag: string;
  /** Requests per second on the open-loop schedule; 0: closed loop (as fast as answered). */
  rate: number;
  tokens: string[];
  /** Request kinds in rotation: "send", or "newest" and "deep". */
  kinds: ("send" | "newest" | "deep")[];
  paths: { send?: string; newest?: string; deep?: string };
  idempotency: boolean;
  out: string;
}

const luaString = (s: string) => JSON.stringify(s); // JSON strings of ASCII are Lua strings
const luaList = (xs: string[]) => `{ ${xs.map(luaString).join(", ")} }`;

/**
 * The wrk script. Open loop: wrk asks delay() before each request of each connection; it hands
 * out the next slot of a fixed schedule (start + k / rate) and the wait until it, and request()
 * takes the oldest slot handed out as that request's intended start (timers fire in slot order).
 * response() finds the request by its echoed X-Request-Id and writes one line per answer:
 * `kind status latency_us message_id`.
 */
function wrkScript(c: WrkConfig): string {
  return `-- generated by shared/bench/messages.ts
local ffi = require("ffi")
pcall(ffi.cdef, [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]])
local tsbuf = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, tsbuf) -- CLOCK_MONOTONIC
  return tonumber(tsbuf.tv_sec) * 1000000 + tonumber(tsbuf.tv_nsec) / 1000
end

local tag = ${luaString(c.tag)}
local rate = ${c.rate}
local tokens = ${luaList(c.tokens)}
local kinds = ${luaList(c.kinds)}
local paths = { send = ${luaString(c.paths.send ?? "")}, newest = ${
    luaString(c.paths.newest ?? "")
  }, deep = ${luaString(c.paths.deep ?? "")} }
local idempotency = ${c.idempotency ? "true" : "false"}
local out_path = ${luaString(c.out)}

local out
local n = 0
local pending = {}
local slots, head, tail = {}, 1, 0
local start_us
local slot = 0

function init(args)
  out = io.open(out_path, "w")
  out:setvbuf("line")
end

if rate > 0 then
  local interval = 1000000 / rate
  function delay()
    local now = now_us()
    if not start_us then start_us = now end
    local t = start_us + slot * interval
    slot = slot + 1
    tail = tail + 1
    slots[tail] = t
    local ms = (t - now) / 1000
    if ms <= 0 then return 0 end
    return math.floor(ms)
  end
end

function request()
  n = n + 1
  local now = now_us()
  local t0 = now
  if head <= tail then
    t0 = math.min(slots[head], now)
    slots[head] = nil
    head = head + 1
  end
  local kind = kinds[(n - 1) % #kinds + 1]
  local rid = tag .. "-" .. kind .. "-" .. n
  pending[rid] = t0
  local headers = {
    ["Authorization"] = "Bearer " .. tokens[(n - 1) % #tokens + 1],
    ["X-Request-Id"] = rid,
  }
  if kind == "send" then
    headers["Content-Type"] = "application/json"
    if idempotency then headers["Idempotency-Key"] = rid end
    local body = '{"content":"Benchmark message ' .. n .. ' (' .. tag .. ') sent by wrk"}'
    return wrk.format("POST", paths.send, headers, body)
  end
  return wrk.format("GET", paths[kind], headers, nil)
end

function response(status, headers, body)
  local now = now_us()
  local rid = headers["x-request-id"] or headers["X-Request-Id"]
  local t0 = rid and pending[rid]
  local kind = "unknown"
  if t0 then
    pending[rid] = nil
    kind = string.match(rid, "^[^-]+%-(%a+)%-") or kind
  end
  local id = "-"
  if kind == "send" and (status == 200 or status == 201) then
    id = string.match(body, '"id":"([%x%-]+)"') or "-"
  end
  local us = t0 and string.format("%.0f", now - t0) or "-1"
  out:write(kind, " ", status, " ", us, " ", id, "\\n")
end
`;
}

interface WrkRun {
  lines: { kind: string; status: number; us: number; id: string }[];
  socketErrors: number;
  seconds: number;
  stdout: string;
}

async function runWrk(
  label: string,
  base: string,
  cfg: WrkConfig,
  o: { seconds: number; connections: number; dir: string },
): Promise<WrkRun> {
  const script = `${o.dir}/${cfg.tag}.lua`;
  await Deno.writeTextFile(script, wrkScript(cfg));
  const out = await new Deno.Command("wrk", {
    args: [
      "-t1",
      `-c${o.connections}`,
      `-d${o.seconds}s`,
      "--timeout",
      "10s",
      "-s",
      script,
      base,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`wrk (${label}) failed: ${new TextDecoder().decode(out.stderr)}${stdout}`);
  }
  const sockets = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    stdout,
  );
  const text = await Deno.readTextFile(cfg.out);
  const lines = text.split("\n").filter(Boolean).map((l) => {
    const [kind, status, us, id] = l.split(" ");
    return { kind: kind!, status: Number(status), us: Number(us), id: id! };
  });
  return {
    lines,
    socketErrors: sockets ? sockets.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    seconds: o.seconds,
    stdout,
  };
}

/** Prints a line every 5 s (or redraws one on a terminal) while a timed phase runs. */
function ticker(label: string, seconds: number): () => void {
  const start = performance.now();
  const tty = Deno.stderr.isTerminal();
  const enc = new TextEncoder();
  const t = setInterval(() => {
    const s = Math.round((performance.now() - start) / 1000);
    if (tty) Deno.stderr.writeSync(enc.encode(`\r[bench:messages] ${label}: ${s}/${seconds} s `));
    else if (s % 5 === 0) progress(`${label}: ${s}/${seconds} s`);
  }, 1_000);
  return () => {
    clearInterval(t);
    if (tty) Deno.stderr.writeSync(enc.encode("\n"));
  };
}

interface Latency {
  n: number;
  errors: number;
  rate: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Statistics of one kind of request of a wrk run (latencies in ms). */
function latency(run: WrkRun, kind: string, seconds = run.seconds): Latency {
  const ok = run.lines.filter((l) => l.kind === kind && l.status >= 200 && l.status < 300);
  const errors = run.lines.filter((l) => l.kind === kind).length - ok.length;
  const ms = ok.map((l) => l.us / 1000).sort((a, b) => a - b);
  return {
    n: ok.length,
    errors,
    rate: ok.length / seconds,
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    p99: percentile(ms, 99),
    max: ms.at(-1) ?? NaN,
  };
}

const ackedIds = (run: WrkRun) =>
  run.lines.filter((l) => l.kind === "send" && l.status === 201 && l.id !== "-").map((l) => l.id);

/** Statuses other than 2xx, counted, for the report ("429×12, 500×3"). */
function errorStatuses(run: WrkRun): string {
  const counts = new Map<number, number>();
  for (const l of run.lines) {
    if (l.status < 200 || l.status >= 300) counts.set(l.status, (counts.get(l.status) ?? 0) + 1);
  }
  const parts = [...counts].map(([s, n]) => `${s}×${n}`);
  if (run.socketErrors) parts.push(`socket errors×${run.socketErrors}`);
  return parts.join(", ") || "none";
}

// ---------------------------------------------------------------------------------------------
// The API

export async function tokenFor(tokenUrl: string, username: string): Promise<string> {
  const { status, body } = await passwordGrant(fetch, tokenUrl, username);
  if (status !== 200 || typeof body.access_token !== "string") {
    throw new Error(`no token for ${username} from ${tokenUrl}: ${status} ${JSON.stringify(body)}`);
  }
  return body.access_token;
}

async function api(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

// ---------------------------------------------------------------------------------------------
// Baseline: a bare INSERT loop

interface InsertRun {
  rows: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  max: number;
}

/** One single-row INSERT into messages, autocommit. */
type BareInsert = (
  id: string,
  channelId: string,
  userId: string,
  seq: number,
  content: string,
  at: Date,
) => Promise<unknown>;

/**
 * The bare INSERT for a database: PostgreSQL through postgres.js directly (a tagged query: a
 * named prepared statement per connection, one round trip per INSERT), PGlite through its query().
 */
async function bareInsertFor(
  sql: Sql,
  url: string | undefined,
): Promise<{ insert: BareInsert; close(): Promise<void> }> {
  if (!url) {
    return {
      insert: (...row) =>
        sql.query(
          `insert into messages (id, channel_id, user_id, seq, content, created_at)
           values ($1, $2, $3, $4, $5, $6)`,
          row,
        ),
      close: async () => {},
    };
  }
  const { default: postgres } = await import("postgres");
  const pg = postgres(url, {
    max: BASELINE_CONCURRENCY,
    onnotice: () => {},
    connection: { application_name: "colink-bench-baseline" },
  });
  return {
    insert: (id, channelId, userId, seq, content, at) =>
      pg`insert into messages (id, channel_id, user_id, seq, content, created_at)
         values (${id}, ${channelId}, ${userId}, ${seq}, ${content}, ${at})`.execute(),
    close: () => pg.end({ timeout: 5 }),
  };
}

async function bareInserts(
  insert: BareInsert,
  channelId: string,
  userId: string,
  rows: number,
  concurrency: number,
  nextSeq: () => number,
): Promise<InsertRun> {
  const ms: number[] = [];
  let left = rows;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (left > 0) {
      left--;
      const seq = nextSeq();
      const t = performance.now();
      await insert(crypto.randomUUID(), channelId, userId, seq, `Bare insert ${seq}`, new Date());
      ms.push(performance.now() - t);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  ms.sort((a, b) => a - b);
  return {
    rows,
    seconds,
    rate: rows / seconds,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    max: ms.at(-1)!,
  };
}

async function baseline(
  sql: Sql,
  url: string | undefined,
  seeded: SeededChannel,
  rows: number,
): Promise<{ sequential: InsertRun; concurrent: InsertRun }> {
  const bare = await bareInsertFor(sql, url);
  try {
    return await baselineRuns(sql, bare.insert, seeded, rows);
  } finally {
    await bare.close();
  }
}

async function baselineRuns(
  sql: Sql,
  insert: BareInsert,
  seeded: SeededChannel,
  rows: number,
): Promise<{ sequential: InsertRun; concurrent: InsertRun }> {
  const [ch] = await sql.query<{ id: string }>(
    `insert into channels (workspace_id, name, description)
     values ($1, 'bench-baseline', 'bare INSERT loop') returning id`,
    [seeded.workspaceId],
  );
  const userId = Object.values(seeded.userIds)[0]!;
  let seq = 0;
  const next = () => ++seq;
  progress(`baseline: warm-up, then ${fmt(rows)} single-row INSERTs on 1 connection`);
  await bareInserts(insert, ch!.id, userId, 200, 1, next);
  const sequential = await bareInserts(insert, ch!.id, userId, rows, 1, next);
  progress(
    `baseline: ${fmt(sequential.rate)} rows/s on 1 connection; now ${BASELINE_CONCURRENCY} at once`,
  );
  const concurrent = await bareInserts(insert, ch!.id, userId, rows, BASELINE_CONCURRENCY, next);
  progress(`baseline: ${fmt(concurrent.rate)} rows/s on ${BASELINE_CONCURRENCY} connections`);
  return { sequential, concurrent };
}

// ---------------------------------------------------------------------------------------------
// Verification

interface Verification {
  acked: number;
  missing: number;
  seeded: number;
  rows: number;
  lastSeq: number;
  /** Rows written beyond seeded + acknowledged: sends in flight when wrk stopped. */
  unacknowledgedWritten: number;
  createdEvents: number;
  unpublished: number;
  /** How long the relay took to publish the rest after the load (distributed), ms. */
  drainMs?: number;
  /** Most unpublished outbox rows seen during the load (distributed: sampled twice a second). */
  maxLag?: number;
  /** Group commit: transactions that wrote the sends (one created_at each) and their sizes. */
  batches: number;
  meanBatch: number;
  maxBatch: number;
}

async function verify(
  sql: Sql,
  seeded: SeededChannel,
  acked: string[],
  relay: { drainMs?: number; maxLag?: number } = {},
): Promise<Verification> {
  let found = 0;
  for (let i = 0; i < acked.length; i += 5_000) {
    const [r] = await sql.query<{ n: number }>(
      "select count(*)::int as n from messages where id = any($1::uuid[]) and channel_id = $2",
      [acked.slice(i, i + 5_000), seeded.channelId],
    );
    found += r!.n;
  }
  const [c] = await sql.query<{ rows: number; last_seq: number }>(
    `select (select count(*)::int from messages where channel_id = $1) as rows,
            (select last_seq from channels where id = $1) as last_seq`,
    [seeded.channelId],
  );
  const [o] = await sql.query<{ created: number; unpublished: number }>(
    `select count(*) filter (where topic = 'message.created' and aggregate_id = $1)::int as created,
            count(*) filter (where published_at is null)::int as unpublished
       from outbox`,
    [seeded.channelId],
  );
  // A batch's messages share the created_at its transaction stamped (doSendMessages' `now`).
  const [b] = await sql.query<{ batches: number; mean: number; max: number }>(
    `select count(*)::int as batches, coalesce(avg(n), 0)::float8 as mean,
            coalesce(max(n), 0)::int as max
       from (select count(*) as n from messages where channel_id = $1 and seq > $2
              group by created_at) t`,
    [seeded.channelId, seeded.messages],
  );
  return {
    batches: b!.batches,
    meanBatch: b!.mean,
    maxBatch: b!.max,
    ...relay,
    acked: acked.length,
    missing: acked.length - found,
    seeded: seeded.messages,
    rows: c!.rows,
    lastSeq: c!.last_seq,
    unacknowledgedWritten: c!.rows - seeded.messages - acked.length,
    createdEvents: o!.created,
    unpublished: o!.unpublished,
  };
}

/**
 * Polls the outbox from the end of the load until the relay has published everything and no new
 * rows came for 1 s (sends still queued in the server commit after wrk stops). Returns when the
 * last unpublished row was published, in ms after `since` (NaN: not within the timeout).
 */
async function waitDrained(sql: Sql, since: number, timeoutMs = 180_000): Promise<number> {
  let stableSince: number | undefined;
  let rowsThen = -1;
  while (performance.now() - since < timeoutMs) {
    const [r] = await sql.query<{ unpublished: number; rows: number }>(
      `select count(*) filter (where published_at is null)::int as unpublished,
              count(*)::int as rows from outbox`,
    );
    const now = performance.now();
    if (r!.unpublished > 0 || r!.rows !== rowsThen) {
      stableSince = r!.unpublished === 0 ? now : undefined;
      rowsThen = r!.rows;
    } else {
      stableSince ??= now;
      if (now - stableSince >= 1_000) return stableSince - since;
    }
    await sleep(25);
  }
  return NaN;
}

/** Samples the unpublished outbox rows twice a second until stopped; resolves to the most seen. */
function sampleLag(sql: Sql): () => Promise<number> {
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const [r] = await sql.query<{ n: number }>(
        "select count(*)::int as n from outbox where published_at is null",
      );
      max = Math.max(max, r!.n);
      await sleep(500);
    }
  })();
  return async () => {
    running = false;
    await loop;
    return max;
  };
}

// ---------------------------------------------------------------------------------------------
// One mode

interface ModeResult {
  mode: Mode;
  seeded: SeededChannel;
  startupMs: number;
  sends: Latency;
  sendErrors: string;
  newest: Latency;
  deep: Latency;
  readErrors: string;
  saturated?: Latency;
  saturatedErrors?: string;
  cpu: CpuUse;
  cpuSaturated?: CpuUse;
  verification: Verification;
  sequential: InsertRun;
  concurrent: InsertRun;
}

const HIGH = "1000000000";

async function runMode(mode: Mode, o: Options, work: string): Promise<ModeResult> {
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const common = {
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: base,
    LOG_LEVEL: "warn",
    RATE_LIMIT_READS_PER_MIN: HIGH,
    RATE_LIMIT_WRITES_PER_MIN: HIGH,
    RATE_LIMIT_IP_PER_MIN: HIGH,
    RATE_LIMIT_LOGIN_PER_MIN: HIGH,
  };
  const prof = o.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${o.cpuProfDir}/${mode}`] : [];
  let server: Server | undefined;
  let sql: Sql | undefined;
  let cleanup: () => Promise<void> = async () => {};
  const onSigint = () => {
    stop(server).then(() => sql?.close()).then(cleanup).finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSigint);
  try {
    // 1. A fresh database, seeded.
    let env: Record<string, string>;
    let tokenUrl: string;
    let serverArgs: string[];
    const dataDir = `${work}/${mode}-data`;
    if (mode === "distributed") {
      const s = realServers();
      const dist = await distributedTestEnv("bench", {
        COLINK_ENV: "test",
        S3_ENDPOINT: s.S3_ENDPOINT,
        S3_REGION: s.S3_REGION,
        S3_BUCKET: s.S3_BUCKET,
        S3_ACCESS_KEY_ID: s.S3_ACCESS_KEY_ID,
        S3_SECRET_ACCESS_KEY: s.S3_SECRET_ACCESS_KEY,
        MONGO_URL: s.MONGO_URL,
        MONGO_DB: s.MONGO_DB,
        CLAMAV_HOST: s.CLAMAV_HOST,
        CLAMAV_PORT: String(s.CLAMAV_PORT),
      });
      progress(`distributed: fresh database ${new URL(dist.env.DATABASE_URL!).pathname.slice(1)}`);
      cleanup = async () => {
        if (o.keep) progress(`kept database ${dist.env.DATABASE_URL}`);
        else await dist.drop();
      };
      env = dist.env;
      tokenUrl = dist.tokenUrl;
      serverArgs = ["run", ...DENO_RUN_PERMISSIONS, ...prof, "shared/bench/messages.ts", "--serve"];
      const { createPostgresSql } = await import("@colink/platform/postgres");
      sql = createPostgresSql({
        url: env.DATABASE_URL!,
        maxConnections: BASELINE_CONCURRENCY,
        applicationName: "colink-bench",
      });
    } else {
      cleanup = async () => {
        if (o.keep) progress(`kept data dir ${dataDir}`);
        else await Deno.remove(dataDir, { recursive: true }).catch(() => {});
      };
      env = {
        COLINK_MODE: "embedded",
        COLINK_ENV: "development",
        DATA_DIR: dataDir,
        EMBEDDED_ISSUER_ACCESS_TTL_SEC: "3600",
      };
      tokenUrl = `${base}/realms/colink/protocol/openid-connect/token`;
      serverArgs = ["run", ...DENO_RUN_PERMISSIONS, ...prof, "services/gateway/main.ts"];
      progress(`embedded: fresh data dir ${dataDir}`);
      sql = await createPgliteSql({ dataDir: `${dataDir}/pglite` });
    }
    await migrate(sql, await colinkMigrations());
    const seeded = await seedMessages(sql, { messages: o.messages });
    progress(
      `${mode}: seeded ${fmt(seeded.messages)} messages in ${fmt(seeded.insertMs / 1000, 1)} s (${
        fmt(seeded.messages / (seeded.insertMs / 1000))
      }/s), VACUUM ANALYZE included ${fmt(seeded.totalMs / 1000, 1)} s`,
    );
    const deepCursor = await messageIdAt(sql, seeded.channelId, DEEP_SEQ);
    if (mode === "embedded") {
      // One process owns a PGlite data dir: the server's, from now until it stops.
      await sql.close();
      sql = undefined;
    }

    // 2. CoLink.
    progress(`${mode}: starting CoLink (every service, one process)`);
    server = spawn(`CoLink ${mode}`, serverArgs, { ...env, ...common });
    const startupMs = await waitHealthy(server, `${base}/health`);
    progress(`${mode}: healthy after ${fmt(startupMs / 1000, 1)} s`);
    if (mode === "embedded") {
      // `deno task dev` rebuilds the web client in the background when its sources changed, and
      // a page request waits for that build: let it finish now rather than during the load.
      const page = await fetch(`${base}/`, { signal: AbortSignal.timeout(180_000) })
        .catch(() => undefined);
      await page?.body?.cancel();
    }

    // 3. Tokens, and one request of each kind to check the wiring.
    const tokens = await Promise.all(TOKEN_USERS.map((u) => tokenFor(tokenUrl, u)));
    for (const [i, t] of tokens.entries()) {
      const me = await api(base, t, "GET", "/api/v1/me");
      if (me.status !== 200) throw new Error(`/me for ${TOKEN_USERS[i]}: ${me.status}`);
    }
    const cid = seeded.channelId;
    const paths = {
      send: `/api/v1/channels/${cid}/messages`,
      newest: `/api/v1/channels/${cid}/messages?limit=50`,
      deep: `/api/v1/channels/${cid}/messages?limit=50&before=${deepCursor}`,
    };
    const smokeSend = await api(base, tokens[0]!, "POST", paths.send, { content: "smoke test" });
    const newest = await api(base, tokens[1]!, "GET", paths.newest);
    const deep = await api(base, tokens[2]!, "GET", paths.deep);
    const count = (r: { body: Record<string, unknown> }) =>
      (r.body.messages as unknown[] | undefined)?.length;
    if (
      smokeSend.status !== 201 || newest.status !== 200 || deep.status !== 200 ||
      count(newest) !== 50 || count(deep) !== 50 || deep.body.has_more !== true
    ) {
      throw new Error(
        `wiring check failed: send ${smokeSend.status} ${JSON.stringify(smokeSend.body)}, ` +
          `newest ${newest.status} (${count(newest)}), deep ${deep.status} (${count(deep)})`,
      );
    }
    const acked: string[] = [smokeSend.body.id as string];

    // 4. Load.
    const wrk = (
      tag: string,
      rate: number,
      kinds: WrkConfig["kinds"],
      seconds: number,
      connections: number,
    ) =>
      runWrk(tag, base, {
        tag,
        rate,
        tokens,
        kinds,
        paths,
        idempotency: o.idempotency,
        out: `${work}/${mode}-${tag}.txt`,
      }, { seconds, connections, dir: work });
    const both = async (tag: string, seconds: number, sendRate: number) => {
      const [s, r] = await Promise.all([
        wrk(`${tag}s`, sendRate, ["send"], seconds, o.connections),
        o.readRate > 0
          ? wrk(`${tag}r`, o.readRate, ["newest", "deep"], seconds, READ_CONNECTIONS)
          : Promise.resolve(undefined),
      ]);
      acked.push(...ackedIds(s));
      return { s, r };
    };
    progress(`${mode}: warm-up ${WARMUP_SECONDS} s (sends at ${fmt(o.rate / 2)}/s, reads)`);
    await both("warm", WARMUP_SECONDS, Math.max(1, Math.round(o.rate / 2)));
    await sleep(1_000);

    progress(
      `${mode}: sends at ${fmt(o.rate)}/s (open loop, ${o.connections} connections) and reads ` +
        `at ${fmt(o.readRate)}/s for ${o.seconds} s`,
    );
    const lag = mode === "distributed" ? sampleLag(sql!) : undefined;
    const cpu0 = await cpuSample();
    const done = ticker(`${mode} load`, o.seconds);
    const main = await both("main", o.seconds, o.rate).finally(done);
    let loadEnded = performance.now();
    const cpu1 = await cpuSample();
    const cpu = cpuUse(cpu0, cpu1, server.child.pid);
    const sends = latency(main.s, "send");
    const readRun = main.r ?? { lines: [], socketErrors: 0, seconds: o.seconds, stdout: "" };
    const result = {
      sends,
      sendErrors: errorStatuses(main.s),
      newest: latency(readRun, "newest"),
      deep: latency(readRun, "deep"),
      readErrors: errorStatuses(readRun),
    };
    progress(
      `${mode}: ${fmt(sends.rate)} sends/s acknowledged, p99 ${fmt(sends.p99, 1)} ms; ` +
        `reads p99 newest ${fmt(result.newest.p99, 1)} ms, deep ${fmt(result.deep.p99, 1)} ms`,
    );

    let saturated: Latency | undefined;
    let saturatedErrors: string | undefined;
    let cpuSaturated: CpuUse | undefined;
    if (o.saturateSeconds > 0) {
      await sleep(2_000);
      progress(
        `${mode}: saturated sends (closed loop, ${SATURATE_CONNECTIONS} connections, no reads) ` +
          `for ${o.saturateSeconds} s`,
      );
      const c0 = await cpuSample();
      const doneSat = ticker(`${mode} saturated`, o.saturateSeconds);
      const sat = await wrk("sat", 0, ["send"], o.saturateSeconds, SATURATE_CONNECTIONS)
        .finally(doneSat);
      cpuSaturated = cpuUse(c0, await cpuSample(), server.child.pid);
      loadEnded = performance.now();
      acked.push(...ackedIds(sat));
      saturated = latency(sat, "send");
      saturatedErrors = errorStatuses(sat);
      progress(
        `${mode}: saturated: ${fmt(saturated.rate)} sends/s, p99 ${fmt(saturated.p99, 1)} ms`,
      );
    }

    // 5. Verification (distributed: while the relay runs; embedded: PGlite is the server's
    // until it stops, so after a pause for the relay).
    const relay: { drainMs?: number; maxLag?: number } = {};
    if (mode === "distributed") {
      progress(`${mode}: waiting for the outbox relay to publish everything`);
      relay.drainMs = await waitDrained(sql!, loadEnded);
      relay.maxLag = await lag!();
      await stop(server);
    } else {
      await sleep(2_000);
      await stop(server);
      sql = await createPgliteSql({ dataDir: `${dataDir}/pglite` });
    }
    server = undefined;
    const verification = await verify(sql!, seeded, acked, relay);
    progress(
      `${mode}: verified ${fmt(verification.acked)} acknowledged sends: ${verification.missing} ` +
        `missing; ${verification.unpublished} outbox rows unpublished`,
    );

    // 6. Baseline, CoLink stopped.
    const { sequential, concurrent } = await baseline(
      sql!,
      mode === "distributed" ? env.DATABASE_URL : undefined,
      seeded,
      o.baselineInserts,
    );
    return {
      mode,
      seeded,
      startupMs,
      ...result,
      saturated,
      saturatedErrors,
      cpu,
      cpuSaturated,
      verification,
      sequential,
      concurrent,
    };
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
    await stop(server);
    await sql?.close();
    await cleanup();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function modeReport(r: ModeResult, o: Options): string {
  const f1 = (x: number) => fmt(x, 1);
  const ratio = (rate: number, base: number) => `${(rate / base).toFixed(2)}x`;
  const latRow = (name: string, l: Latency, unit: string, ratios: boolean) => [
    name,
    `${fmt(l.rate)} ${unit}`,
    fmt(l.n),
    fmt(l.errors),
    f1(l.p50),
    f1(l.p95),
    f1(l.p99),
    f1(l.max),
    ratios ? ratio(l.rate, r.sequential.rate) : "-",
    ratios ? ratio(l.rate, r.concurrent.rate) : "-",
  ];
  const insRow = (name: string, i: InsertRun) => [
    name,
    `${fmt(i.rate)} rows/s`,
    fmt(i.rows),
    "0",
    f1(i.p50),
    "-",
    f1(i.p99),
    f1(i.max),
    ratio(i.rate, r.sequential.rate),
    ratio(i.rate, r.concurrent.rate),
  ];
  const rows = [
    latRow(
      `sends, open loop at ${fmt(o.rate)}/s target, reads alongside`,
      r.sends,
      "msg/s",
      true,
    ),
    ...(r.saturated
      ? [latRow(
        `sends, saturated (closed loop, ${SATURATE_CONNECTIONS} conns, no reads)`,
        r.saturated,
        "msg/s",
        true,
      )]
      : []),
    latRow(
      `history newest page (limit=50), ${fmt(o.readRate / 2)}/s target`,
      r.newest,
      "req/s",
      false,
    ),
    latRow(
      `history deep page (before=seq ${DEEP_SEQ}), ${fmt(o.readRate / 2)}/s target`,
      r.deep,
      "req/s",
      false,
    ),
    insRow("baseline: bare INSERT, 1 connection", r.sequential),
    insRow(`baseline: bare INSERT, ${BASELINE_CONCURRENCY} connections`, r.concurrent),
  ];
  const v = r.verification;
  const cpuTable = (c: CpuUse, sends: number) =>
    markdownTable(
      ["process", "CPU s", "cores busy", "CPU µs per send"],
      [...c.groups].sort((a, b) => b[1] - a[1]).filter(([, s]) => s >= 0.05).map(([g, s]) => [
        g,
        f1(s),
        fmt(s / c.seconds, 2),
        sends ? fmt((s * 1e6) / sends) : "-",
      ]),
    );
  return [
    `### ${r.mode}${
      r.mode === "distributed"
        ? " (PostgreSQL, Kafka, Redis, Keycloak)"
        : " (PGlite, in-memory bus and KV)"
    }`,
    "",
    `Seeded ${fmt(r.seeded.messages)} messages (${fmt(r.seeded.topLevel)} top-level) in ${
      f1(r.seeded.insertMs / 1000)
    } s (${fmt(r.seeded.messages / (r.seeded.insertMs / 1000))} rows/s), VACUUM ANALYZE included ${
      f1(r.seeded.totalMs / 1000)
    } s; CoLink healthy after ${
      f1(r.startupMs / 1000)
    } s. Latencies in ms; send latency counts from each request's slot on the schedule.`,
    "",
    markdownTable(
      [
        "case",
        "rate",
        "n",
        "errors",
        "p50",
        "p95",
        "p99",
        "max",
        "vs bare INSERT 1 conn",
        `vs bare INSERT ${BASELINE_CONCURRENCY} conns`,
      ],
      rows,
    ),
    "",
    `Errors: sends ${r.sendErrors}; reads ${r.readErrors}` +
    (r.saturatedErrors ? `; saturated ${r.saturatedErrors}` : "") + ".",
    `Acknowledged sends: ${fmt(v.acked)}, missing from the database: ${v.missing}. Channel rows ` +
    `${fmt(v.rows)} = seeded ${fmt(v.seeded)} + acknowledged ${fmt(v.acked)} + ` +
    `${fmt(v.unacknowledgedWritten)} committed but unanswered when wrk stopped; last_seq ` +
    `${fmt(v.lastSeq)} (${v.lastSeq === v.rows ? "gap-free" : "GAPS"}). message.created outbox ` +
    `rows ${fmt(v.createdEvents)} (${
      v.createdEvents === v.rows - v.seeded ? "one per message written" : "MISMATCH"
    }), unpublished ${v.unpublished}` +
    (v.drainMs !== undefined
      ? `; during the load up to ${fmt(v.maxLag ?? NaN)} events waited for the relay, which ` +
        `had published everything ${fmt(v.drainMs)} ms after the load ended.`
      : " (checked 2 s after the load, server stopped).") +
    ` Group commit: ${fmt(v.batches)} send transactions, ${fmt(v.meanBatch, 1)} messages each ` +
    `on average, at most ${fmt(v.maxBatch)}.`,
    "",
    `CPU during the open-loop phase (${f1(r.cpu.seconds)} s, machine ${
      fmt(r.cpu.machineBusy * 100)
    }% busy of ${navigator.hardwareConcurrency} cores):`,
    "",
    cpuTable(r.cpu, r.sends.n),
    ...(r.cpuSaturated && r.saturated
      ? [
        "",
        `CPU during the saturated phase (${f1(r.cpuSaturated.seconds)} s, machine ${
          fmt(r.cpuSaturated.machineBusy * 100)
        }% busy):`,
        "",
        cpuTable(r.cpuSaturated, r.saturated.n),
      ]
      : []),
  ].join("\n");
}

function summary(results: ModeResult[], o: Options): string {
  const mark = (ok: boolean) => (ok ? "met" : "NOT met");
  return markdownTable(
    [
      "mode",
      `sends/s (≥ ${fmt(o.rate)})`,
      "ack p99 ms (≤ 100)",
      "newest p99 ms (≤ 20)",
      "deep p99 ms (≤ 20)",
      "saturated sends/s",
      "bare INSERT rows/s (1 / 8 conns)",
      "acknowledged lost",
      "outbox unpublished",
    ],
    results.map((r) => [
      r.mode,
      `${fmt(r.sends.rate)} (${mark(r.sends.rate >= o.rate * 0.98)})`,
      `${fmt(r.sends.p99, 1)} (${mark(r.sends.p99 <= 100)})`,
      `${fmt(r.newest.p99, 1)} (${mark(r.newest.p99 <= 20)})`,
      `${fmt(r.deep.p99, 1)} (${mark(r.deep.p99 <= 20)})`,
      r.saturated ? fmt(r.saturated.rate) : "-",
      `${fmt(r.sequential.rate)} / ${fmt(r.concurrent.rate)}`,
      String(r.verification.missing),
      String(r.verification.unpublished),
    ]),
  );
}

async function wrkVersion(): Promise<string> {
  try {
    const out = await new Deno.Command("wrk", { args: ["--version"], stdout: "piped" }).output();
    return new TextDecoder().decode(out.stdout).split("\n")[0]!.replace(/\s*\[.*$/, "").trim();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    console.error(
      "[bench:messages] wrk is not installed. It is a Debian package: `sudo apt-get install wrk`.",
    );
    Deno.exit(69);
  }
}

/** The commit measured ("+ changes" when the working tree differs from it). */
async function commit(): Promise<string> {
  try {
    const run = async (...args: string[]) =>
      new TextDecoder().decode(
        (await new Deno.Command("git", { args, cwd: REPO_ROOT, stdout: "piped" }).output()).stdout,
      ).trim();
    const sha = await run("rev-parse", "--short", "HEAD");
    const dirty = await run("status", "--porcelain", "--untracked-files=no");
    return sha ? `commit ${sha}${dirty ? " + uncommitted changes" : ""}` : "no git commit";
  } catch {
    return "no git";
  }
}

async function main() {
  const o = parseOptions();
  const wrkName = await wrkVersion();
  const measured = await commit();
  const work = await Deno.makeTempDir({ prefix: "colink-bench-messages-" });
  const idle = await cpuSample();
  await sleep(1_000);
  const before = cpuUse(idle, await cpuSample(), -1);
  const results: ModeResult[] = [];
  try {
    for (const mode of o.modes) results.push(await runMode(mode, o, work));
  } finally {
    if (!o.keep) await Deno.remove(work, { recursive: true }).catch(() => {});
  }
  console.log(
    `\n${measured}; ${Deno.build.target}, ${navigator.hardwareConcurrency} cores, ` +
      `deno ${Deno.version.deno}, ` +
      `${wrkName}; ${fmt(o.messages)} seeded messages; sends ${o.seconds} s at ${
        fmt(o.rate)
      }/s over ${o.connections} connections${
        o.idempotency ? " with an Idempotency-Key each" : ""
      }, reads ${fmt(o.readRate)}/s over ${READ_CONNECTIONS}; machine ${
        fmt(before.machineBusy * 100)
      }% busy just before\n`,
  );
  console.log(summary(results, o));
  for (const r of results) console.log(`\n${modeReport(r, o)}`);
  if (before.machineBusy > 0.1) {
    progress(
      `WARNING: the machine was ${fmt(before.machineBusy * 100)}% busy before the run: other ` +
        "work competes for the cores and skews the numbers",
    );
  }
  if (o.cpuProfDir) progress(`CPU profiles of CoLink in ${o.cpuProfDir}/<mode>`);
}

if (import.meta.main) await main();
