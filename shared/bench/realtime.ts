/**
 * The realtime benchmark (issue 8): WebSocket fan-out of CoLink's realtime gateway at 1k, 5k and
 * 10k connections, against a minimal raw Deno WebSocket broadcast server
 * (shared/bench/raw_ws_server.ts) measured in the same run, with the same clients and load.
 *
 *   deno task bench:realtime [--levels=1000,5000,10000] [--targets=raw,colink] [--clients=2]
 *     [--ramp-start=10000] [--ramp-factor=1.5] [--ramp-max=400000] [--step-seconds=4]
 *     [--latency-rate=500] [--latency-seconds=10] [--small-sockets=20] [--small-channels=10]
 *     [--restart-rate=10] [--no-restart] [--one-data-dir] [--cpu-prof-dir=DIR] [--probe=FILE]
 *     [--keep]
 *
 * Processes (each its own, so CPU and resident memory are read per process from /proc):
 * - the server: CoLink embedded (`services/gateway/main.ts`: every service in one process, PGlite
 *   in a temporary DATA_DIR, COLINK_ENV=development, rate limits raised to 10⁹/min by env,
 *   access tokens valid for a day, LOG_LEVEL=warn), or the raw baseline;
 * - `--clients` socket processes (shared/bench/realtime_client.ts, Deno's WebSocket client), the
 *   sockets split evenly between them;
 * - this driver: sets up, sends the messages through the REST API (fetch, keep-alive), collects
 *   the clients' counts and latency histograms, prints progress and the tables.
 *
 * The people: the embedded issuer knows the 9 seeded dev users that sign in with a password alone
 * (dave needs a TOTP code) and CoLink has no API to create more, so sockets share users' tokens:
 * a socket is one device of a user and gets every event of that user's conversations. Eight
 * "crowd" users (alice, bob, carol, admin, mia, erin, frank, grace) hold all sockets but
 * `--small-sockets`, round robin; heidi holds those. A new workspace (alice owns it, the others
 * are added through POST /workspaces/{wid}/members) has one private channel per crowd user,
 * `team-<user>`, created by that user, so N/8 sockets follow it (1,250 at 10k), and
 * `--small-channels` channels of heidi's, followed by her few sockets.
 *
 * Per level N and server:
 * 1. Start, warm up (one socket per user, a few messages per channel), settle 2 s, read VmRSS.
 * 2. Open N sockets (auth frame, hello with a cursor; at most 256 handshakes at a time), settle
 *    3 s, read VmRSS again: memory per idle connection = RSS delta / N.
 * 3. Throughput ramp: sends round robin to the team channels at a fixed rate for `--step-seconds`
 *    per step, offered at `--ramp-start` deliveries/s (sends/s = offered / fan-out), times
 *    `--ramp-factor` each step, until a step is not sustained (fewer than 95 % of the offered
 *    deliveries per second arrive, or p99 send-to-receive passes 500 ms) or `--ramp-max`.
 *    Deliveries/s are frames the sockets received per second, counted from 1 s into the step to
 *    its end. Peak: the most any step delivered (the capacity, load generator included);
 *    sustained: the last step that kept up.
 * 4. Latency: `--latency-rate` sends/s for `--latency-seconds` to heidi's small channels, every
 *    socket connected. The schedule is open loop (bench:messages' rule: at most 256 sends in
 *    flight; a send's latency counts from its slot on the schedule, so a server that falls behind
 *    shows in it). A message's content carries its slot time (epoch ms, sub-millisecond), and the
 *    receiving socket counts send-to-receive latency from it (same clock: one machine).
 * 5. Restart: sends at `--restart-rate`/s to every channel throughout; after 2 s the server gets
 *    SIGTERM (CoLink closes its sockets and stops), is started again on the same data dir and
 *    port, and every socket reconnects the way the web client does (web/src/realtime/backoff.ts:
 *    500 ms doubling, equal jitter) and resumes from the cursor of its last event. Timed: until
 *    every socket got its hello, from SIGTERM and from the new process's first healthy answer.
 *    Sends go on for 3 s more; then every socket must have received exactly the acknowledged
 *    messages of its channels (none lost, none twice). The raw server has no log: its row only
 *    shows what reconnecting costs (backoff and handshakes); its losses are expected.
 * Every phase ends when the deliveries stop (drain) and checks each socket's count against the
 * acknowledged sends of its channels.
 *
 * Each level starts CoLink on a fresh data dir (first start: initdb, migrations, dev seed; then the
 * workspace and channels through the API), so levels do not depend on each other's events.
 * `--one-data-dir` keeps one data dir for all levels, as a long-running `deno task dev` would
 * (PGlite has no autovacuum, and the outbox relay's queries slow down with every event written:
 * see docs/benchmarks.md); later levels then show that growth. `--probe=FILE` runs CoLink with
 * shared/bench/realtime_probe.ts preloaded and `--v8-flags=--expose-gc`: PGlite time by SQL
 * statement in FILE.<level>-<0|1>.json, and memory read after a full GC (JS heap apart from the
 * rest) in the memory table. `--cpu-prof-dir=DIR`: V8 CPU profiles of CoLink (summarize with
 * shared/bench/profile_summary.ts).
 *
 * Output: progress on stderr (a redrawn line on a terminal), tables on stdout. CPU columns are
 * each process's user + system time over the phase (/proc/<pid>/stat), the server's main
 * (JavaScript) thread apart: near 1.00 core it is saturated. "other" is busy CPU none of ours was
 * charged with (other processes, softirq of loopback TCP): large values mean the phase shared the
 * machine. Benchmarks print, never assert. Servers and clients start under `ulimit -n 65535`, or
 * the hard limit when that cannot be raised (deno task's shell has no ulimit: the benchmark sets
 * it for its children); every process needs one descriptor per socket, plus a few hundred.
 */
import { baseEnv, drainTail as drain, freePort, passwordGrant } from "@colink/testing";
import { bucketOf, bucketUpperMs, HIST_BUCKETS } from "./realtime_client.ts";
import { DENO_RUN_PERMISSIONS, markdownTable, REPO_ROOT } from "./stats.ts";

type Target = "raw" | "colink";
const TARGETS: Target[] = ["raw", "colink"];
const CROWD = ["alice", "bob", "carol", "admin", "mia", "erin", "frank", "grace"];
const SMALL_USER = "heidi";
const SMALL_GROUP = CROWD.length;
const MAX_IN_FLIGHT = 256;
const FD_LIMIT = 65_535;
/** A ramp step is sustained when this share of the offered deliveries arrives... */
const SUSTAINED_SHARE = 0.95;
/** ...and p99 send-to-receive stays under this. */
const SUSTAINED_P99_MS = 500;

interface Options {
  levels: number[];
  targets: Target[];
  clients: number;
  rampStart: number;
  rampFactor: number;
  rampMax: number;
  stepSeconds: number;
  latencyRate: number;
  latencySeconds: number;
  smallSockets: number;
  smallChannels: number;
  restartRate: number;
  restart: boolean;
  oneDataDir: boolean;
  cpuProfDir?: string;
  probe?: string;
  keep: boolean;
}

const USAGE = "usage: deno task bench:realtime [--levels=1000,5000,10000] [--targets=raw,colink] " +
  "[--clients=2] [--ramp-start=10000] [--ramp-factor=1.5] [--ramp-max=400000] " +
  "[--step-seconds=4] [--latency-rate=500] [--latency-seconds=10] [--small-sockets=20] " +
  "[--small-channels=10] [--restart-rate=10] [--no-restart] [--one-data-dir] [--cpu-prof-dir=DIR] " +
  "[--probe=FILE] [--keep]";

function parseOptions(): Options {
  const known = [
    "levels",
    "targets",
    "clients",
    "ramp-start",
    "ramp-factor",
    "ramp-max",
    "step-seconds",
    "latency-rate",
    "latency-seconds",
    "small-sockets",
    "small-channels",
    "restart-rate",
    "no-restart",
    "one-data-dir",
    "cpu-prof-dir",
    "probe",
    "keep",
  ];
  const flags = new Map(Deno.args.map((a) => {
    const [k, ...v] = a.replace(/^--/, "").split("=");
    return [k!, v.join("=")] as const;
  }));
  const bad = Deno.args.find((a) =>
    !a.startsWith("--") || !known.includes(a.slice(2).split("=")[0]!)
  );
  if (bad) usage(`unknown argument ${bad}`);
  const num = (k: string, d: number, min: number, integer = true) => {
    const v = flags.has(k) ? Number(flags.get(k)) : d;
    if (!Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min) {
      usage(`--${k} takes ${integer ? "an integer" : "a number"} >= ${min}`);
    }
    return v;
  };
  const levels = (flags.get("levels") || "1000,5000,10000").split(",").map(Number);
  if (levels.some((n) => !Number.isInteger(n) || n < 100)) usage("--levels takes integers >= 100");
  const targets = (flags.get("targets") || TARGETS.join(",")).split(",") as Target[];
  if (!targets.length || targets.some((t) => !TARGETS.includes(t))) {
    usage(`--targets takes ${TARGETS.join(",")}`);
  }
  const o: Options = {
    levels,
    targets,
    clients: num("clients", 2, 1),
    rampStart: num("ramp-start", 10_000, 1),
    rampFactor: num("ramp-factor", 1.5, 1.05, false),
    rampMax: num("ramp-max", 400_000, 1),
    stepSeconds: num("step-seconds", 4, 2),
    latencyRate: num("latency-rate", 500, 1),
    latencySeconds: num("latency-seconds", 10, 2),
    smallSockets: num("small-sockets", 20, 1),
    smallChannels: num("small-channels", 10, 1),
    restartRate: num("restart-rate", 10, 1),
    restart: !flags.has("no-restart"),
    oneDataDir: flags.has("one-data-dir"),
    cpuProfDir: flags.get("cpu-prof-dir") || undefined,
    probe: flags.get("probe") || undefined,
    keep: flags.has("keep"),
  };
  if (levels.some((n) => n < o.smallSockets + CROWD.length)) {
    usage(`every level needs at least --small-sockets + ${CROWD.length} sockets`);
  }
  return o;
}

function usage(why: string): never {
  console.error(`${why}\n${USAGE}`);
  Deno.exit(64);
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : "-";

// ---------------------------------------------------------------------------------------------
// Progress

const tty = Deno.stderr.isTerminal();
const enc = new TextEncoder();
let statusLine = "";
let lastPrinted = 0;
function progress(msg: string) {
  if (tty && statusLine) Deno.stderr.writeSync(enc.encode("\r\x1b[2K"));
  console.error(`[bench:realtime] ${msg}`);
  statusLine = "";
}
/** The live status: redrawn in place on a terminal, else a line every 5 s. */
function status(msg: string) {
  if (tty) {
    statusLine = msg;
    Deno.stderr.writeSync(enc.encode(`\r\x1b[2K[bench:realtime] ${msg}`));
  } else if (now() - lastPrinted >= 5_000) {
    lastPrinted = now();
    console.error(`[bench:realtime] ${msg}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Processes

/** `deno <args>` under a raised open-files limit (many sockets), in the repository root. */
function denoCommand(args: string[], env: Record<string, string>, piped: boolean): Deno.Command {
  return new Deno.Command("sh", {
    args: [
      "-c",
      `ulimit -n ${FD_LIMIT} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`,
      "sh",
      Deno.execPath(),
      ...args,
    ],
    env: { ...baseEnv(), ...env },
    clearEnv: true,
    cwd: REPO_ROOT,
    stdin: piped ? "piped" : "null",
    stdout: piped ? "piped" : "null",
    stderr: "piped",
  });
}

async function fdLimit(): Promise<number> {
  const out = await new Deno.Command("sh", {
    args: ["-c", `ulimit -n ${FD_LIMIT} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; ulimit -n`],
    stdout: "piped",
  }).output();
  const v = new TextDecoder().decode(out.stdout).trim();
  return v === "unlimited" ? Infinity : Number(v);
}

interface Server {
  target: Target;
  child: Deno.ChildProcess;
  stderr: () => string;
  base: string;
  wsUrl: string;
  /** The file realtime_probe.ts writes, when the server runs with it. */
  probe?: string;
}

const probeFile = (base: string, level: number, generation: number) =>
  `${base}.${level}-${generation}.json`;

interface ProbedMemory {
  rss: number;
  heapUsed: number;
  external: number;
}

/** Memory after a full GC, from the probe (SIGUSR2: it collects, then records). */
async function probeMemory(s: Server): Promise<ProbedMemory | undefined> {
  if (!s.probe) return undefined;
  const read = async () =>
    JSON.parse(await Deno.readTextFile(s.probe!).catch(() => "{}")).memory as
      | ProbedMemory[]
      | undefined;
  const before = (await read())?.length ?? 0;
  s.child.kill("SIGUSR2");
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    const m = await read();
    if (m && m.length > before) return m.at(-1);
  }
  return undefined;
}

async function waitHealthy(s: Server, timeoutMs = 120_000): Promise<number> {
  const start = now();
  let exited = false;
  s.child.status.then(() => (exited = true));
  while (now() - start < timeoutMs && !exited) {
    try {
      const res = await fetch(`${s.base}/health`);
      await res.body?.cancel();
      if (res.status === 200) return now();
    } catch { /* not listening yet */ }
    await sleep(10);
  }
  throw new Error(`${s.target} server did not become healthy at ${s.base}:\n${s.stderr()}`);
}

async function stopServer(s: Server | undefined, signal: Deno.Signal = "SIGINT"): Promise<void> {
  if (!s) return;
  try {
    s.child.kill(signal);
  } catch { /* already gone */ }
  const timer = setTimeout(() => {
    try {
      s.child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, 30_000);
  await s.child.status;
  clearTimeout(timer);
}

/** VmRSS of a process, MiB (through `cat`: Deno wants --allow-all to read /proc directly). */
async function rssMiB(pid: number): Promise<number> {
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/status`] }).output();
  const m = /^VmRSS:\s+(\d+) kB/m.exec(new TextDecoder().decode(out.stdout));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU ms (user + system) of processes and of the server's main thread, and /proc/stat. */
interface CpuSample {
  at: number;
  ms: Map<string, { pid: number; ms: number }>;
  stat: number[];
}

async function cpuSample(pids: Record<string, number>): Promise<CpuSample> {
  const files = Object.entries(pids).map(([k, pid]) =>
    k === "server main thread" ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`
  );
  const out = await new Deno.Command("sh", {
    args: [
      "-c",
      `cat /proc/stat; for f in ${files.join(" ")}; do cat $f 2>/dev/null || echo -; done`,
    ],
    stdout: "piped",
  }).output();
  const lines = new TextDecoder().decode(out.stdout).split("\n");
  const stat = lines[0]!.trim().split(/\s+/).slice(1).map(Number);
  const procLines = lines.filter((l) => /^\d+ \(/.test(l) || l === "-");
  const ms = new Map<string, { pid: number; ms: number }>();
  Object.entries(pids).forEach(([k, pid], i) => {
    const line = procLines[i];
    if (!line || line === "-") return;
    const fields = line.slice(line.lastIndexOf(") ") + 2).split(" ");
    ms.set(k, { pid, ms: (Number(fields[11]) + Number(fields[12])) * 10 });
  });
  return { at: now(), ms, stat };
}

interface CpuUse {
  seconds: number;
  /** Cores used over the window, by process. */
  cores: Map<string, number>;
  machineBusy: number;
}

function cpuUse(a: CpuSample, b: CpuSample): CpuUse {
  const seconds = (b.at - a.at) / 1000;
  const cores = new Map<string, number>();
  for (const [k, v] of b.ms) {
    // A process started during the window (the restarted server): all of its time is in it.
    const before = a.ms.get(k);
    const base = before && before.pid === v.pid ? before.ms : 0;
    cores.set(k, (v.ms - base) / 1000 / seconds);
  }
  const d = (i: number) => (b.stat[i] ?? 0) - (a.stat[i] ?? 0);
  const total = Math.max(1, [0, 1, 2, 3, 4, 5, 6, 7].reduce((x, i) => x + d(i), 0));
  const machineBusy = 1 - (d(3) + d(4)) / total;
  // Busy time none of ours was charged with: other processes, interrupts (loopback TCP runs in
  // softirq), steal. Large values mean the phase shared the machine with other work.
  const ours = [...cores].filter(([k]) => k !== "server main thread").reduce(
    (x, [, v]) => x + v,
    0,
  );
  if (a.ms.size) cores.set("other", Math.max(0, machineBusy * (total / 100 / seconds) - ours));
  return { seconds, cores, machineBusy };
}

/** Share of all cores busy over `ms`: other work that would skew the numbers. */
async function machineBusy(ms = 1_000): Promise<number> {
  const a = await cpuSample({});
  await sleep(ms);
  return cpuUse(a, await cpuSample({})).machineBusy;
}

// ---------------------------------------------------------------------------------------------
// Client processes

// deno-lint-ignore no-explicit-any
type Msg = any;

interface Tick {
  t: number;
  ready: number;
  connecting: number;
  delivered: number;
  duplicates: number;
  resyncs: number;
  closes: Record<string, number>;
}

class ClientProc {
  readonly child: Deno.ChildProcess;
  readonly stderr: () => string;
  tick: Tick = {
    t: 0,
    ready: 0,
    connecting: 0,
    delivered: 0,
    duplicates: 0,
    resyncs: 0,
    closes: {},
  };
  /** When every socket of this process last became ready (epoch ms). */
  allReadyAt = 0;
  readonly #waiting = new Map<string, (m: Msg) => void>();
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  exited = false;

  constructor(readonly sockets: number) {
    this.child = denoCommand(
      ["run", "--allow-net", "shared/bench/realtime_client.ts"],
      {},
      true,
    ).spawn();
    this.stderr = drain(this.child.stderr);
    this.#writer = this.child.stdin.getWriter();
    this.child.status.then(() => (this.exited = true));
    this.#read().catch(() => {});
  }

  async #read() {
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of this.child.stdout) {
      buf += dec.decode(chunk, { stream: true });
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith("{")) continue;
        const m = JSON.parse(line) as Msg;
        if (m.type === "tick") this.tick = m;
        else if (m.type === "ready") this.allReadyAt = m.t;
        else {
          const w = this.#waiting.get(m.type);
          this.#waiting.delete(m.type);
          w?.(m);
        }
      }
    }
  }

  async send(cmd: Msg): Promise<void> {
    await this.#writer.write(enc.encode(JSON.stringify(cmd) + "\n"));
  }

  async request(cmd: Msg, answer: string, timeoutMs = 60_000): Promise<Msg> {
    const got = new Promise<Msg>((resolve) => this.#waiting.set(answer, resolve));
    await this.send(cmd);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`client did not answer ${cmd.cmd}:\n${this.stderr()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([got, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (!this.exited) {
      await this.request({ cmd: "close" }, "closed", 15_000).catch(() => {});
      await this.#writer.close().catch(() => {});
    }
    const timer = setTimeout(() => {
      try {
        this.child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 5_000);
    await this.child.status;
    clearTimeout(timer);
  }
}

class Clients {
  constructor(readonly procs: ClientProc[]) {}
  get ready() {
    return this.procs.reduce((a, p) => a + p.tick.ready, 0);
  }
  get delivered() {
    return this.procs.reduce((a, p) => a + p.tick.delivered, 0);
  }
  get sockets() {
    return this.procs.reduce((a, p) => a + p.sockets, 0);
  }
  closes(): Record<string, number> {
    const all: Record<string, number> = {};
    for (const p of this.procs) {
      for (const [k, v] of Object.entries(p.tick.closes)) all[k] = (all[k] ?? 0) + v;
    }
    return all;
  }
  async all(cmd: Msg, answer: string): Promise<Msg[]> {
    return await Promise.all(this.procs.map((p) => p.request(cmd, answer)));
  }
  async close(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.close()));
  }
}

// ---------------------------------------------------------------------------------------------
// Layout: users, channels, who follows what

interface Layout {
  /** Token (CoLink) or name (raw) of each group: the crowd users, then heidi. */
  tokens: string[];
  userIds: string[];
  /** team[g]: the channel group g's user alone is in. */
  team: string[];
  /** heidi's channels. */
  small: string[];
}

/** Socket i's group: heidi for the first `small` sockets, else the crowd round robin. */
function groupsFor(n: number, small: number): number[] {
  return Array.from(
    { length: n },
    (_, i) => (i < small ? SMALL_GROUP : (i - small) % CROWD.length),
  );
}

function fanout(groups: number[]): number[] {
  const f = new Array(CROWD.length + 1).fill(0);
  for (const g of groups) f[g]++;
  return f;
}

async function call(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Msg }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function must(p: Promise<{ status: number; body: Msg }>, want: number, what: string) {
  const r = await p;
  if (r.status !== want) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Tokens, a workspace and the channels, through the REST API. */
async function colinkLayout(base: string, o: Options): Promise<Layout> {
  const tokenUrl = `${base}/realms/colink/protocol/openid-connect/token`;
  const names = [...CROWD, SMALL_USER];
  const tokens = await Promise.all(names.map(async (u) => {
    const g = await passwordGrant(fetch, tokenUrl, u);
    if (g.status !== 200) {
      throw new Error(`no token for ${u}: ${g.status} ${JSON.stringify(g.body)}`);
    }
    return g.body.access_token as string;
  }));
  const userIds: string[] = [];
  for (const [i, t] of tokens.entries()) {
    userIds.push((await must(call(base, t, "GET", "/api/v1/me"), 200, `/me of ${names[i]}`)).id);
  }
  const slug = `rt-bench-${crypto.randomUUID().slice(0, 8)}`;
  const ws = await must(
    call(base, tokens[0]!, "POST", "/api/v1/workspaces", { name: "Realtime bench", slug }),
    201,
    "create workspace",
  );
  for (const id of userIds.slice(1)) {
    await must(
      call(base, tokens[0]!, "POST", `/api/v1/workspaces/${ws.id}/members`, { user_id: id }),
      201,
      "add workspace member",
    );
  }
  const channel = async (as: number, name: string) =>
    (await must(
      call(base, tokens[as]!, "POST", `/api/v1/workspaces/${ws.id}/channels`, {
        name,
        is_private: true,
      }),
      201,
      `create channel ${name}`,
    )).id as string;
  const team: string[] = [];
  for (const [g, u] of CROWD.entries()) team.push(await channel(g, `team-${u}`));
  const small: string[] = [];
  for (let k = 0; k < o.smallChannels; k++) small.push(await channel(SMALL_GROUP, `small-${k}`));
  return { tokens, userIds, team, small };
}

function rawLayout(o: Options): Layout {
  const names = [...CROWD, SMALL_USER];
  return {
    tokens: names,
    userIds: names.map(() => crypto.randomUUID()),
    team: CROWD.map(() => crypto.randomUUID()),
    small: Array.from({ length: o.smallChannels }, () => crypto.randomUUID()),
  };
}

// ---------------------------------------------------------------------------------------------
// Sending

interface Send {
  channel: string;
  group: number;
}

interface SendRun {
  phase: string;
  start: number;
  end: number;
  /** Slots of the schedule until the end. */
  scheduled: number;
  /** Sends made (a slot waits while MAX_IN_FLIGHT are unanswered; those left at the end are not). */
  slots: number;
  acked: number;
  ackedByGroup: number[];
  errors: Map<string, number>;
  ackHist: Uint32Array;
}

/**
 * Sends on a fixed schedule (slot k at start + k / rate) until `seconds` pass or `stop()`, like
 * wrk's open loop in bench:messages: a slot waits while MAX_IN_FLIGHT sends are unanswered, and
 * its latency still counts from the slot; slots not sent by the end are dropped (counted as
 * scheduled, not sent). Each message's content starts with `rt:<phase>:<slot, epoch ms>:<k>:`.
 */
function sendLoop(
  server: () => Server,
  layout: Layout,
  o: { phase: string; rate: number; seconds: number; pick: (k: number) => Send },
): { done: Promise<SendRun>; stop(): void; run: SendRun } {
  const run: SendRun = {
    phase: o.phase,
    start: now(),
    end: 0,
    scheduled: 0,
    slots: 0,
    acked: 0,
    ackedByGroup: new Array(CROWD.length + 1).fill(0),
    errors: new Map(),
    ackHist: new Uint32Array(HIST_BUCKETS),
  };
  let stopped = false;
  let inFlight = 0;
  const endAt = run.start + o.seconds * 1000;
  const interval = 1000 / o.rate;
  const pad = " sent by bench:realtime through the REST API, like a short chat line";
  const fail = (why: string) => run.errors.set(why, (run.errors.get(why) ?? 0) + 1);
  const fire = async (k: number) => {
    const slot = run.start + k * interval;
    const s = o.pick(k);
    const content = `rt:${o.phase}:${slot.toFixed(3)}:${k}:${pad}`;
    const srv = server();
    inFlight++;
    try {
      const res = srv.target === "colink"
        ? await fetch(`${srv.base}/api/v1/channels/${s.channel}/messages`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${layout.tokens[s.group]}`,
            "content-type": "application/json",
          },
          body: JSON.stringify({ content }),
        })
        : await fetch(`${srv.base}/send`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            channel_id: s.channel,
            user_id: layout.userIds[s.group],
            content,
          }),
        });
      await res.body?.cancel();
      if (res.status === 201) {
        run.acked++;
        run.ackedByGroup[s.group]++;
        run.ackHist[bucketOf(now() - slot)]!++;
      } else fail(`HTTP ${res.status}`);
    } catch (e) {
      fail(/refused/i.test(String(e)) ? "connection refused" : "network error");
    } finally {
      inFlight--;
    }
  };
  let stopLoop: () => void = () => {};
  const done = (async () => {
    const pending = new Set<Promise<void>>();
    while (!stopped && now() < endAt) {
      const due = Math.floor((now() - run.start) / interval) + 1;
      while (run.slots < due && inFlight < MAX_IN_FLIGHT) {
        const p = fire(run.slots++);
        pending.add(p);
        p.finally(() => pending.delete(p));
      }
      await new Promise<void>((r) => {
        const t = setTimeout(
          r,
          Math.max(1, Math.min(20, run.start + run.slots * interval - now())),
        );
        stopLoop = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    run.end = Math.min(now(), endAt);
    run.scheduled = Math.floor((run.end - run.start) / interval) + 1;
    await Promise.all(pending);
    return run;
  })();
  return {
    done,
    run,
    stop() {
      stopped = true;
      stopLoop();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Statistics

interface Latency {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

function histPercentiles(hist: ArrayLike<number>): Latency {
  let n = 0;
  for (let i = 0; i < hist.length; i++) n += hist[i]!;
  const at = (p: number) => {
    const rank = Math.max(1, Math.ceil((p / 100) * n));
    let seen = 0;
    for (let i = 0; i < hist.length; i++) {
      seen += hist[i]!;
      if (seen >= rank) return bucketUpperMs(i);
    }
    return NaN;
  };
  let max = NaN;
  for (let i = hist.length - 1; i >= 0; i--) {
    if (hist[i]) {
      max = bucketUpperMs(i);
      break;
    }
  }
  return n ? { n, p50: at(50), p95: at(95), p99: at(99), max } : {
    n,
    p50: NaN,
    p95: NaN,
    p99: NaN,
    max: NaN,
  };
}

interface PhaseResult {
  name: string;
  sends: SendRun;
  /** Sends/s on the schedule, and acknowledged. */
  offeredRate: number;
  sendRate: number;
  ack: Latency;
  latency: Latency;
  delivered: number;
  expected: number;
  /** Deliveries per second, from 1 s after the first send to the end of the schedule. */
  deliveryRate: number;
  /** Seconds from the schedule's end until the last delivery (backlog). */
  drainS: number;
  short: number;
  missing: number;
  extra: number;
  cpu: CpuUse;
}

/** Waits until the sockets got `expected` deliveries since `from`, or they stop coming for 2 s. */
async function waitDrained(clients: Clients, from: number, expected: number, label: string) {
  const deadline = now() + 120_000;
  let last = -1;
  let since = now();
  while (now() < deadline) {
    const got = clients.delivered - from;
    status(`${label}: draining, ${fmt(got)}/${fmt(expected)} delivered`);
    if (got >= expected) return;
    if (got !== last) {
      last = got;
      since = now();
    } else if (now() - since > 2_000) return;
    await sleep(100);
  }
}

async function finishPhase(
  clients: Clients,
  run: SendRun,
  fan: number[],
  cpu: CpuUse,
  deliveredBefore: number,
  label: string,
): Promise<PhaseResult> {
  const expectedByGroup = run.ackedByGroup.map((n, g) => n * fan[g]!);
  const expected = expectedByGroup.reduce((a, b) => a + b, 0);
  await waitDrained(clients, deliveredBefore, expected, label);
  await sleep(600); // one more tick
  const reports = await clients.all({ cmd: "report", phase: run.phase }, "report");
  const hist = new Uint32Array(HIST_BUCKETS);
  const time = new Map<number, number>();
  let delivered = 0;
  for (const r of reports) {
    delivered += r.n;
    for (const [i, c] of r.hist as [number, number][]) hist[i]! += c;
    for (const [t, c] of r.time as [number, number][]) time.set(t, (time.get(t) ?? 0) + c);
  }
  const from = Math.floor((run.start + 1_000) / 100);
  const to = Math.floor(run.end / 100);
  let inWindow = 0;
  let lastSlot = 0;
  for (const [t, c] of time) {
    if (t >= from && t < to) inWindow += c;
    lastSlot = Math.max(lastSlot, t);
  }
  const verdicts = await clients.all(
    { cmd: "verify", phase: run.phase, expected: run.ackedByGroup },
    "verify",
  );
  const sum = (k: string) => verdicts.reduce((a, v) => a + v[k], 0);
  const seconds = (run.end - run.start) / 1000;
  return {
    name: run.phase,
    sends: run,
    offeredRate: run.scheduled / seconds,
    sendRate: run.acked / seconds,
    ack: histPercentiles(run.ackHist),
    latency: histPercentiles(hist),
    delivered,
    expected,
    deliveryRate: to > from ? inWindow / ((to - from) / 10) : NaN,
    drainS: Math.max(0, ((lastSlot + 1) * 100 - run.end) / 1000),
    short: sum("short"),
    missing: sum("missing"),
    extra: sum("extra"),
    cpu,
  };
}

// ---------------------------------------------------------------------------------------------
// One level on one server

interface RestartResult {
  shutdownMs: number;
  restartMs: number;
  /** From SIGTERM until every socket had its hello again. */
  allHelloMs: number;
  /** From the new process's first healthy answer until then. */
  afterHealthyMs: number;
  hello: Latency;
  phase: PhaseResult;
  duplicates: number;
  resyncs: number;
  closes: Record<string, number>;
}

interface LevelResult {
  target: Target;
  n: number;
  fan: number[];
  connectS: number;
  rssBefore: number;
  rssIdle: number;
  /** After a full GC (with --probe), before and with the sockets. */
  probed?: { before: ProbedMemory; idle: ProbedMemory };
  clientRss: number;
  ramp: (PhaseResult & { offeredDeliveries: number; sustained: boolean })[];
  latency: PhaseResult;
  restart?: RestartResult;
}

interface ServerFactory {
  /** Before a level: what the level runs on (CoLink: a fresh data dir, set up). */
  prepare(level: number): Promise<Layout>;
  start(level: number, generation: number): Server;
}

/** One socket per user and a few messages per channel through the whole path. */
async function warmUp(server: Server, layout: Layout) {
  const sockets = await Promise.all(
    layout.tokens.map((token) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(server.wsUrl);
        ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token }));
        ws.onmessage = (e) => {
          if (String(e.data).startsWith('{"type":"hello"')) resolve(ws);
        };
        ws.onerror = () => reject(new Error(`warm-up socket failed:\n${server.stderr()}`));
      })
    ),
  );
  const channels = [
    ...layout.team.map((channel, group) => ({ channel, group })),
    ...layout.small.map((channel) => ({ channel, group: SMALL_GROUP })),
  ];
  await sendLoop(() => server, layout, {
    phase: "warmup",
    rate: 100,
    seconds: channels.length * 5 / 100,
    pick: (k) => channels[k % channels.length]!,
  }).done;
  await sleep(500);
  for (const ws of sockets) ws.close();
}

async function runLevel(
  factory: ServerFactory,
  target: Target,
  n: number,
  o: Options,
): Promise<LevelResult> {
  const label = `${target} ${fmt(n)}`;
  const layout = await factory.prepare(n);
  let server = factory.start(n, 0);
  let clients: Clients | undefined;
  try {
    await waitHealthy(server);
    progress(`${label}: server up; warming up`);
    await warmUp(server, layout);
    await sleep(2_000);
    const rssBefore = await rssMiB(server.child.pid);
    const probedBefore = await probeMemory(server);

    // Open the sockets.
    const groups = groupsFor(n, o.smallSockets);
    const fan = fanout(groups);
    const per = Array.from(
      { length: o.clients },
      (_, c) => groups.filter((_, i) => i % o.clients === c),
    );
    const cs = clients = new Clients(per.map((g) => new ClientProc(g.length)));
    const openStart = now();
    await Promise.all(cs.procs.map((p, c) =>
      p.send({
        cmd: "open",
        url: server.wsUrl,
        tokens: layout.tokens,
        groups: per[c],
        concurrency: 256,
        backoffMs: 500,
      })
    ));
    while (cs.ready < n || cs.procs.some((p) => !p.allReadyAt)) {
      if (now() - openStart > 300_000) {
        throw new Error(`only ${cs.ready} of ${n} sockets ready after 300 s`);
      }
      if (cs.procs.some((p) => p.exited)) {
        throw new Error(`a client process exited:\n${cs.procs.map((p) => p.stderr()).join("\n")}`);
      }
      status(`${label}: opening sockets, ${fmt(cs.ready)}/${fmt(n)} ready`);
      await sleep(100);
    }
    const connectS = (Math.max(...cs.procs.map((p) => p.allReadyAt)) - openStart) / 1000;
    progress(
      `${label}: ${fmt(n)} sockets ready in ${fmt(connectS, 1)} s (${
        fmt(n / connectS)
      }/s); settling`,
    );
    await sleep(3_000);
    const rssIdle = await rssMiB(server.child.pid);
    const clientRss = (await Promise.all(cs.procs.map((p) => rssMiB(p.child.pid))))
      .reduce((a, b) => a + b, 0);
    const probedIdle = await probeMemory(server);
    progress(
      `${label}: server RSS ${fmt(rssBefore, 1)} → ${fmt(rssIdle, 1)} MiB idle, ${
        fmt(((rssIdle - rssBefore) * 1024) / n, 1)
      } KiB per connection`,
    );

    const pids = () => ({
      server: server.child.pid,
      "server main thread": server.child.pid,
      ...Object.fromEntries(cs.procs.map((p, i) => [`client ${i + 1}`, p.child.pid])),
      driver: Deno.pid,
    });
    const phase = async (
      name: string,
      rate: number,
      seconds: number,
      pick: (k: number) => Send,
    ): Promise<PhaseResult> => {
      const before = cs.delivered;
      const c0 = await cpuSample(pids());
      const loop = sendLoop(() => server, layout, {
        phase: `${name}x${n}${target}`,
        rate,
        seconds,
        pick,
      });
      const shown = watch(cs, `${label} ${name}`, seconds, loop.run);
      const run = await loop.done;
      const cpu = cpuUse(c0, await cpuSample(pids()));
      shown();
      return await finishPhase(cs, run, fan, cpu, before, `${label} ${name}`);
    };
    const line = (name: string, r: PhaseResult) =>
      progress(
        `${label} ${name}: ${fmt(r.sendRate)}/${fmt(r.offeredRate)} sends/s, ${
          fmt(r.deliveryRate)
        } deliveries/s, p50 ${fmt(r.latency.p50, 1)} ms, p99 ${fmt(r.latency.p99, 1)} ms, ` +
          `${fmt(r.missing)} lost; cores: server main thread ${
            fmt(r.cpu.cores.get("server main thread") ?? NaN, 2)
          }, other ${fmt(r.cpu.cores.get("other") ?? NaN, 2)}`,
      );

    // Throughput ramp over the team channels.
    const teamFan = fan.slice(0, CROWD.length).reduce((a, b) => a + b, 0) / CROWD.length;
    const team = (k: number) => ({
      channel: layout.team[k % CROWD.length]!,
      group: k % CROWD.length,
    });
    const ramp: LevelResult["ramp"] = [];
    for (let offered = o.rampStart, step = 1; offered <= o.rampMax; offered *= o.rampFactor) {
      const rate = offered / teamFan;
      const r = await phase(`step${step++}`, rate, o.stepSeconds, team);
      const sustained = r.deliveryRate >= SUSTAINED_SHARE * offered &&
        r.latency.p99 <= SUSTAINED_P99_MS;
      ramp.push({ ...r, offeredDeliveries: offered, sustained });
      line(`ramp ${fmt(offered)} deliveries/s offered${sustained ? "" : " (not sustained)"}`, r);
      if (!sustained) break;
      await sleep(500);
    }
    await sleep(1_000);

    // Latency over heidi's small channels.
    const small = (k: number) => ({
      channel: layout.small[k % layout.small.length]!,
      group: SMALL_GROUP,
    });
    const latency = await phase("latency", o.latencyRate, o.latencySeconds, small);
    line(`latency at ${fmt(o.latencyRate)} sends/s`, latency);
    await sleep(1_000);

    let restart: RestartResult | undefined;
    if (o.restart) {
      const every = (k: number) =>
        k % (CROWD.length + 1) === SMALL_GROUP ? small(k) : team(k % (CROWD.length + 1));
      const before = cs.delivered;
      const c0 = await cpuSample(pids());
      const loop = sendLoop(() => server, layout, {
        phase: `restartx${n}${target}`,
        rate: o.restartRate,
        seconds: Infinity,
        pick: every,
      });
      const shown = watch(cs, `${label} restart`, NaN, loop.run);
      await sleep(2_000);
      const killAt = now();
      await stopServer(server, "SIGTERM");
      const exitedAt = now();
      server = factory.start(n, 1);
      const healthyAt = await waitHealthy(server);
      while (cs.procs.some((p) => p.allReadyAt < killAt)) {
        if (now() - killAt > 300_000) {
          throw new Error(
            `only ${cs.ready} of ${n} sockets resumed 300 s after SIGTERM; close codes ${
              closeCodes(cs.closes())
            }`,
          );
        }
        await sleep(20);
      }
      const allHelloAt = Math.max(...cs.procs.map((p) => p.allReadyAt));
      await sleep(3_000);
      loop.stop();
      const run = await loop.done;
      const cpu = cpuUse(c0, await cpuSample(pids()));
      shown();
      const r = await finishPhase(cs, run, fan, cpu, before, `${label} restart`);
      const hellos = (await cs.all({ cmd: "hellos", since: killAt }, "hellos"))
        .flatMap((h) => h.ms as number[]);
      const hist = new Uint32Array(HIST_BUCKETS);
      for (const ms of hellos) hist[bucketOf(ms)]!++;
      const verdicts = await cs.all(
        { cmd: "verify", phase: run.phase, expected: run.ackedByGroup },
        "verify",
      );
      restart = {
        shutdownMs: exitedAt - killAt,
        restartMs: healthyAt - exitedAt,
        allHelloMs: allHelloAt - killAt,
        afterHealthyMs: allHelloAt - healthyAt,
        hello: histPercentiles(hist),
        phase: r,
        duplicates: verdicts.reduce((a, v) => a + v.duplicates, 0),
        resyncs: verdicts.reduce((a, v) => a + v.resyncs, 0),
        closes: cs.closes(),
      };
      progress(
        `${label} restart: SIGTERM → exit ${fmt(restart.shutdownMs)} ms, → healthy ` +
          `${fmt(restart.restartMs)} ms more; every socket resumed ${
            fmt(restart.allHelloMs / 1000, 2)
          } s after SIGTERM; ${fmt(r.missing)} events lost, ${fmt(restart.duplicates)} twice`,
      );
    }
    return {
      target,
      n,
      fan,
      connectS,
      rssBefore,
      rssIdle,
      probed: probedBefore && probedIdle ? { before: probedBefore, idle: probedIdle } : undefined,
      clientRss,
      ramp,
      latency,
      restart,
    };
  } finally {
    await clients?.close();
    await stopServer(server);
  }
}

/** The live status line of a phase, until the returned function is called. */
function watch(clients: Clients, label: string, seconds: number, run: SendRun): () => void {
  let prev = { t: now(), delivered: clients.delivered, acked: run.acked };
  const t = setInterval(() => {
    const cur = { t: now(), delivered: clients.delivered, acked: run.acked };
    const dt = (cur.t - prev.t) / 1000;
    const elapsed = (cur.t - run.start) / 1000;
    status(
      `${label}: ${fmt(elapsed)}${Number.isFinite(seconds) ? `/${seconds}` : ""} s, ` +
        `${fmt(clients.ready)}/${fmt(clients.sockets)} ready, ` +
        `${fmt((cur.acked - prev.acked) / dt)} sends/s acked, ` +
        `${fmt((cur.delivered - prev.delivered) / dt)} deliveries/s`,
    );
    prev = cur;
  }, 1_000);
  return () => clearInterval(t);
}

// ---------------------------------------------------------------------------------------------
// Servers

const HIGH = "1000000000";

function colinkFactory(o: Options, work: string): ServerFactory {
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  let dataDir = "";
  const env = {
    COLINK_MODE: "embedded",
    COLINK_ENV: "development",
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: base,
    LOG_LEVEL: "warn",
    EMBEDDED_ISSUER_ACCESS_TTL_SEC: "86400",
    RATE_LIMIT_READS_PER_MIN: HIGH,
    RATE_LIMIT_WRITES_PER_MIN: HIGH,
    RATE_LIMIT_IP_PER_MIN: HIGH,
    RATE_LIMIT_LOGIN_PER_MIN: HIGH,
  };
  const start = (level: number, generation: number, profile = true): Server => {
    const prof = profile && o.cpuProfDir
      ? ["--cpu-prof", `--cpu-prof-dir=${o.cpuProfDir}/colink-${level}-${generation}`]
      : [];
    const probe = profile && o.probe
      ? ["--v8-flags=--expose-gc", "--preload", "shared/bench/realtime_probe.ts"]
      : [];
    const child = denoCommand(
      ["run", ...DENO_RUN_PERMISSIONS, ...prof, ...probe, "services/gateway/main.ts"],
      {
        ...env,
        DATA_DIR: dataDir,
        ...(probe.length ? { PROBE_OUT: probeFile(o.probe!, level, generation) } : {}),
      },
      false,
    ).spawn();
    return {
      target: "colink",
      child,
      stderr: drain(child.stderr),
      base,
      wsUrl: `ws://127.0.0.1:${port}/ws`,
      probe: probe.length ? probeFile(o.probe!, level, generation) : undefined,
    };
  };
  let layout: Layout | undefined;
  return {
    start,
    async prepare(level) {
      if (layout && o.oneDataDir) return layout;
      dataDir = `${work}/colink-${level}`;
      progress(
        `colink: first start on a fresh data dir ${dataDir}; creating the workspace, channels`,
      );
      const first = start(level, 0, false);
      try {
        await waitHealthy(first);
        layout = await colinkLayout(base, o);
      } finally {
        await stopServer(first);
      }
      return layout;
    },
  };
}

function rawFactory(o: Options): ServerFactory {
  const port = freePort();
  const layout = rawLayout(o);
  const members: Record<string, string[]> = {};
  CROWD.forEach((u, g) => (members[u] = [layout.team[g]!]));
  members[SMALL_USER] = layout.small;
  return {
    prepare: () => Promise.resolve(layout),
    start() {
      const child = denoCommand(
        [
          "run",
          "--allow-net",
          "shared/bench/raw_ws_server.ts",
          String(port),
          JSON.stringify(members),
        ],
        {},
        false,
      ).spawn();
      return {
        target: "raw",
        child,
        stderr: drain(child.stderr),
        base: `http://127.0.0.1:${port}`,
        wsUrl: `ws://127.0.0.1:${port}/ws`,
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Report

const TARGET_NAMES: Record<Target, string> = {
  raw: "raw Deno WebSocket broadcast",
  colink: "CoLink realtime (embedded)",
};

const peakOf = (r: LevelResult) => Math.max(...r.ramp.map((s) => s.deliveryRate));
const sustainedOf = (r: LevelResult) => r.ramp.filter((s) => s.sustained).at(-1);
const kibPerConn = (r: LevelResult) => ((r.rssIdle - r.rssBefore) * 1024) / r.n;
const closeCodes = (c: Record<string, number>) =>
  Object.entries(c).map(([k, v]) => `${k === "0" ? "0 (connect failed)" : k}×${fmt(v)}`)
    .join(", ");

function report(results: LevelResult[], o: Options, busyBefore: number, fds: number): string {
  const f1 = (x: number) => fmt(x, 1);
  const raw = (n: number) => results.find((r) => r.target === "raw" && r.n === n);
  const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}x` : "-");
  const cores = (c: CpuUse, k: string) => fmt(c.cores.get(k) ?? NaN, 2);
  const clientCores = (c: CpuUse) =>
    fmt([...c.cores].filter(([k]) => k.startsWith("client")).reduce((a, [, v]) => a + v, 0), 2);
  const mark = (ok: boolean) => (ok ? "met" : "NOT met");
  const lines: string[] = [];
  lines.push(
    `${Deno.build.target}, ${navigator.hardwareConcurrency} cores, deno ${Deno.version.deno}; ` +
      `${o.clients} client process(es); open files limit ${fds}; sockets share the tokens of ` +
      `9 dev users (8 crowd users round robin, heidi ${o.smallSockets}); ` +
      `CoLink ${
        o.oneDataDir ? "on one data dir for all levels" : "on a fresh data dir per level"
      }; machine ${fmt(busyBefore * 100)}% busy just before`,
    "",
  );

  const colink = results.filter((r) => r.target === "colink");
  if (colink.length) {
    const top = colink.reduce((a, b) => (b.n > a.n ? b : a));
    lines.push("Targets (CoLink; the load generator shares the 2 cores):", "");
    lines.push(markdownTable(
      [
        "sockets",
        "peak deliveries/s (≥ 60,000 at 10k)",
        `p99 ms at ${fmt(o.latencyRate)} sends/s (≤ 50)`,
        "KiB per idle conn (≤ 30)",
        "peak vs raw (≥ 0.70)",
        "all resumed after restart, s (≤ 10 at 10k)",
      ],
      colink.map((r) => {
        const kib = kibPerConn(r);
        const base = raw(r.n);
        const peak = peakOf(r);
        return [
          fmt(r.n),
          `${fmt(peak)}${r === top ? ` (${mark(peak >= 60_000)})` : ""}`,
          `${f1(r.latency.latency.p99)} (${mark(r.latency.latency.p99 <= 50)})`,
          `${f1(kib)} (${mark(kib <= 30)})`,
          base ? `${ratio(peak, peakOf(base))} (${mark(peak / peakOf(base) >= 0.7)})` : "-",
          r.restart
            ? `${fmt(r.restart.allHelloMs / 1000, 2)}${
              r === top ? ` (${mark(r.restart.allHelloMs <= 10_000)})` : ""
            }`
            : "-",
        ];
      }),
    ));
    lines.push("");
  }

  lines.push(
    `Throughput: sends round robin to the ${CROWD.length} team channels (each followed by N/8 ` +
      `sockets), ${o.stepSeconds} s per step from ${fmt(o.rampStart)} offered deliveries/s, ` +
      `×${o.rampFactor} a step, until one is not sustained (< ${
        SUSTAINED_SHARE * 100
      } % delivered or p99 > ${SUSTAINED_P99_MS} ms). Peak: the most any step delivered; ` +
      "sustained: the last step that kept up, with its latency.",
    "",
  );
  lines.push(markdownTable(
    [
      "server",
      "sockets",
      "fan-out",
      "peak deliveries/s",
      "at sends/s",
      "sustained deliveries/s",
      "p50 ms",
      "p99 ms",
      "lost",
      "server cores (main thread)",
      "client cores",
      "driver cores",
      "other cores",
      "peak vs raw",
    ],
    results.map((r) => {
      const peak = r.ramp.reduce((a, b) => (b.deliveryRate > a.deliveryRate ? b : a));
      const s = sustainedOf(r);
      return [
        TARGET_NAMES[r.target],
        fmt(r.n),
        fmt(r.fan[0]!),
        fmt(peak.deliveryRate),
        fmt(peak.sendRate),
        s ? fmt(s.deliveryRate) : `< ${fmt(o.rampStart)}`,
        s ? f1(s.latency.p50) : "-",
        s ? f1(s.latency.p99) : "-",
        fmt(r.ramp.reduce((a, x) => a + x.missing, 0)),
        `${cores(peak.cpu, "server")} (${cores(peak.cpu, "server main thread")})`,
        clientCores(peak.cpu),
        cores(peak.cpu, "driver"),
        cores(peak.cpu, "other"),
        ratio(peak.deliveryRate, raw(r.n) && peakOf(raw(r.n)!)),
      ];
    }),
  ));
  lines.push("", "The ramp, step by step:", "");
  lines.push(markdownTable(
    [
      "server",
      "sockets",
      "offered deliveries/s",
      "sends/s offered",
      "sends/s acked",
      "deliveries/s",
      "p50 ms",
      "p99 ms",
      "drain s",
      "server cores (main thread)",
      "client cores",
      "other cores",
      "kept up",
    ],
    results.flatMap((r) =>
      r.ramp.map((s) => [
        TARGET_NAMES[r.target],
        fmt(r.n),
        fmt(s.offeredDeliveries),
        fmt(s.offeredRate),
        fmt(s.sendRate),
        fmt(s.deliveryRate),
        f1(s.latency.p50),
        f1(s.latency.p99),
        f1(s.drainS),
        `${cores(s.cpu, "server")} (${cores(s.cpu, "server main thread")})`,
        clientCores(s.cpu),
        cores(s.cpu, "other"),
        s.sustained ? "yes" : "no",
      ])
    ),
  ));
  lines.push("");
  lines.push(
    `Latency: ${fmt(o.latencyRate)} sends/s to heidi's ${o.smallChannels} small channels (each ` +
      `followed by her ${o.smallSockets} sockets) for ${o.latencySeconds} s while all N sockets ` +
      "are connected; send-to-receive counted by the receiving socket from the send's slot.",
    "",
  );
  lines.push(markdownTable(
    [
      "server",
      "sockets",
      "sends/s offered",
      "sends/s acked",
      "ack p50 ms",
      "ack p99 ms",
      "deliveries/s",
      "p50 ms",
      "p95 ms",
      "p99 ms",
      "max ms",
      "lost",
      "server cores (main thread)",
      "client cores",
      "other cores",
      "p99 vs raw",
    ],
    results.map((r) => {
      const l = r.latency;
      return [
        TARGET_NAMES[r.target],
        fmt(r.n),
        fmt(l.offeredRate),
        fmt(l.sendRate),
        f1(l.ack.p50),
        f1(l.ack.p99),
        fmt(l.deliveryRate),
        f1(l.latency.p50),
        f1(l.latency.p95),
        f1(l.latency.p99),
        f1(l.latency.max),
        fmt(l.missing),
        `${cores(l.cpu, "server")} (${cores(l.cpu, "server main thread")})`,
        clientCores(l.cpu),
        cores(l.cpu, "other"),
        ratio(l.latency.p99, raw(r.n)?.latency.latency.p99),
      ];
    }),
  ));
  lines.push("");
  const probed = results.some((r) => r.probed);
  lines.push(
    "Memory: server VmRSS after warm-up, and 3 s after the N sockets were open and idle" +
      (probed
        ? "; with --probe also after a full GC, split into the JS heap (V8 heapUsed) and " +
          "external (ArrayBuffers), the rest being native: sockets, buffers, WASM."
        : "."),
    "",
  );
  lines.push(markdownTable(
    [
      "server",
      "sockets",
      "opened in s",
      "opened/s",
      "RSS before MiB",
      "RSS idle MiB",
      "delta MiB",
      "KiB per idle conn",
      "vs raw",
      "clients KiB per socket",
      ...(probed ? ["after full GC: RSS KiB/conn", "JS heap KiB/conn", "external KiB/conn"] : []),
    ],
    results.map((r) => {
      const b = raw(r.n);
      const per = (k: keyof ProbedMemory) =>
        r.probed ? f1((r.probed.idle[k] - r.probed.before[k]) / 1024 / r.n) : "-";
      return [
        TARGET_NAMES[r.target],
        fmt(r.n),
        f1(r.connectS),
        fmt(r.n / r.connectS),
        f1(r.rssBefore),
        f1(r.rssIdle),
        f1(r.rssIdle - r.rssBefore),
        f1(kibPerConn(r)),
        b ? ratio(kibPerConn(r), kibPerConn(b)) : "-",
        f1((r.clientRss * 1024) / r.n),
        ...(probed ? [per("rss"), per("heapUsed"), per("external")] : []),
      ];
    }),
  ));
  const restarts = results.filter((r) => r.restart);
  if (restarts.length) {
    lines.push("");
    lines.push(
      `Restart: sends at ${fmt(o.restartRate)}/s to every channel throughout; SIGTERM after 2 s, ` +
        "the same server started again on the same data dir and port; clients reconnect with the " +
        "web client's backoff (500 ms doubling, equal jitter) and resume from their last cursor. " +
        "Lost: acknowledged messages a socket never received (the raw server has no log: its " +
        "losses are expected).",
      "",
    );
    lines.push(markdownTable(
      [
        "server",
        "sockets",
        "SIGTERM → exit ms",
        "exit → healthy ms",
        "all resumed after SIGTERM s",
        "after healthy s",
        "hello p50 s",
        "hello p99 s",
        "sends acked / failed",
        "lost",
        "twice",
        "resync_required",
        "server cores (main thread)",
        "close codes seen by clients",
      ],
      restarts.map((r) => {
        const x = r.restart!;
        const failed = [...x.phase.sends.errors.values()].reduce((a, b) => a + b, 0);
        return [
          TARGET_NAMES[r.target],
          fmt(r.n),
          fmt(x.shutdownMs),
          fmt(x.restartMs),
          fmt(x.allHelloMs / 1000, 2),
          fmt(x.afterHealthyMs / 1000, 2),
          fmt(x.hello.p50 / 1000, 2),
          fmt(x.hello.p99 / 1000, 2),
          `${fmt(x.phase.sends.acked)} / ${fmt(failed)}`,
          fmt(x.phase.missing),
          fmt(x.duplicates),
          fmt(x.resyncs),
          `${cores(x.phase.cpu, "server")} (${cores(x.phase.cpu, "server main thread")})`,
          closeCodes(x.closes),
        ];
      }),
    ));
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const o = parseOptions();
  const fds = await fdLimit();
  const most = Math.max(...o.levels);
  if (fds < most + 1_000) {
    progress(
      `WARNING: the open files limit is ${fds}, below what ${fmt(most)} sockets need in the ` +
        "server; raise the hard limit (ulimit -Hn, /etc/security/limits.conf) or use --levels",
    );
  }
  const work = await Deno.makeTempDir({ prefix: "colink-bench-realtime-" });
  const busyBefore = await machineBusy();
  if (busyBefore > 0.1) {
    progress(`WARNING: the machine is ${fmt(busyBefore * 100)}% busy: the numbers will be skewed`);
  }
  const results: LevelResult[] = [];
  const onSigint = () => {
    Deno.remove(work, { recursive: true }).catch(() => {}).finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSigint);
  try {
    const factories = new Map<Target, ServerFactory>();
    for (const t of o.targets) {
      factories.set(t, t === "colink" ? colinkFactory(o, work) : rawFactory(o));
    }
    for (const n of o.levels) {
      for (const t of o.targets) {
        progress(`— ${TARGET_NAMES[t]}, ${fmt(n)} sockets —`);
        results.push(await runLevel(factories.get(t)!, t, n, o));
      }
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
    if (!o.keep) await Deno.remove(work, { recursive: true }).catch(() => {});
    else progress(`kept ${work}`);
  }
  console.log(`\n${report(results, o, busyBefore, fds)}`);
  if (o.cpuProfDir) progress(`CPU profiles of CoLink in ${o.cpuProfDir}/colink-<level>-<0|1>`);
  if (o.probe) progress(`probes of CoLink (SQL by statement) in ${o.probe}.<level>-<0|1>.json`);
}

if (import.meta.main) await main();
