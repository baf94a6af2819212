/**
 * The socket side of bench:realtime (shared/bench/realtime.ts): one process holding many client
 * WebSockets (Deno's own client), driven by the benchmark over stdin and stdout, one JSON object a
 * line. It is a separate process so the sockets' CPU and memory are neither the server's nor the
 * driver's, and the driver may start two of them to spread the sockets over both cores.
 *
 *   deno run --allow-net shared/bench/realtime_client.ts
 *
 * Commands (stdin):
 * - `{"cmd":"open","url","tokens":[<per group>],"groups":[<per socket>],"concurrency",
 *   "backoffMs"}`: opens one socket per entry of `groups`, at most `concurrency` handshakes at a
 *   time; each sends `{"type":"auth","token"}` with its group's token and counts as ready at its
 *   `hello`. A socket closed by the server for any reason but 4400 (1012 on a restart, 4408, 4401
 *   from an auth window that ran out, a failed connect) reconnects the way the web client does
 *   (web/src/realtime/backoff.ts: exponential from `backoffMs`, equal jitter) and resumes from
 *   the cursor of the last durable event it received.
 * - `{"cmd":"report","phase"}` → `{"type":"report","phase","n","hist","time"}`: the deliveries of
 *   a phase (frames whose message content starts with `rt:<phase>:`), their send-to-receive
 *   latency histogram and their count per 100 ms of arrival.
 * - `{"cmd":"verify","phase","expected":[<per group>]}` → `{"type":"verify",...}`: sockets that
 *   got fewer or more of the phase's messages than their group should have.
 * - `{"cmd":"hellos","since"}` → `{"type":"hellos","ms":[...]}`: when each ready socket got its
 *   last hello, in ms after `since` (epoch ms).
 * - `{"cmd":"close"}`: closes every socket (1000), answers `{"type":"closed"}` and exits.
 *
 * Events (stdout): `{"type":"tick",...}` twice a second (sockets ready, connecting, deliveries so
 * far, close codes, resyncs, duplicates), and `{"type":"ready","t"}` whenever every socket has
 * become ready again.
 *
 * Frames are not JSON-parsed on the hot path: the cursor and the content marker are found with
 * indexOf, so the client spends as little as possible of the cores it shares with the server.
 * Times are epoch ms from performance.timeOrigin + performance.now() (sub-millisecond, and the
 * same clock as the driver's on one machine).
 */

const now = () => performance.timeOrigin + performance.now();
const out = (o: unknown) => console.log(JSON.stringify(o));

/** Latency histogram: bucket i holds latencies up to 0.01 ms × 1.01^i (1 % resolution). */
export const HIST_BUCKETS = 2_000;
const LN_STEP = Math.log(1.01);
export const bucketOf = (ms: number): number =>
  ms <= 0.01 ? 0 : Math.min(HIST_BUCKETS - 1, Math.ceil(Math.log(ms / 0.01) / LN_STEP));
export const bucketUpperMs = (i: number): number => 0.01 * 1.01 ** i;

interface Phase {
  counts: Int32Array;
  hist: Uint32Array;
  n: number;
  /** Deliveries per 100 ms of arrival time (key: epoch ms / 100, floored). */
  time: Map<number, number>;
}

const enum State {
  Idle = 0,
  Connecting = 1,
  Authenticating = 2,
  Ready = 3,
  Stopped = 4,
}

const CURSOR = '"cursor":"';
const MARKER = '"content":"rt:';

let url = "";
let backoffMs = 500;
let tokens: string[] = [];
let groups = new Uint8Array(0);
let state = new Uint8Array(0);
let attempts = new Uint8Array(0);
let lastPos = new Float64Array(0);
let helloAt = new Float64Array(0);
let epochs: (string | undefined)[] = [];
let sockets: (WebSocket | undefined)[] = [];
let readyCount = 0;
let connecting = 0;
let delivered = 0;
let duplicates = 0;
let resyncs = 0;
let stopping = false;
let wasAllReady = false;
const closes = new Map<number, number>();
const phases = new Map<string, Phase>();

function phaseOf(tag: string): Phase {
  let p = phases.get(tag);
  if (!p) {
    p = {
      counts: new Int32Array(tokens.length),
      hist: new Uint32Array(HIST_BUCKETS),
      n: 0,
      time: new Map(),
    };
    phases.set(tag, p);
  }
  return p;
}

function onFrame(i: number, s: string) {
  // Every server frame starts with {"type":" (JSON.stringify keeps the key order): the 10th
  // character tells hello, resync_required and the rest apart.
  const kind = s.charCodeAt(9);
  if (kind === 104 /* h */) return onHello(i, s);
  if (kind === 114 /* r */) return void resyncs++;
  const c = s.indexOf(CURSOR);
  if (c < 0) return; // ephemeral events (presence, typing), pongs
  const end = s.indexOf('"', c + CURSOR.length);
  const dot = s.lastIndexOf(".", end);
  const pos = Number(s.slice(dot + 1, end));
  if (pos <= lastPos[i]!) {
    duplicates++;
    return;
  }
  lastPos[i] = pos;
  const m = s.indexOf(MARKER, end);
  if (m < 0) return; // not a benchmark message (channel events, the dev seed's)
  const at = now();
  const a = m + MARKER.length;
  const b = s.indexOf(":", a);
  const t = s.indexOf(":", b + 1);
  const sent = Number(s.slice(b + 1, t));
  const p = phaseOf(s.slice(a, b));
  p.counts[i]!++;
  p.n++;
  p.hist[bucketOf(at - sent)]!++;
  const slot = Math.floor(at / 100);
  p.time.set(slot, (p.time.get(slot) ?? 0) + 1);
  delivered++;
}

function onHello(i: number, s: string) {
  const hello = JSON.parse(s) as { cursor?: string };
  if (state[i] !== State.Authenticating) return;
  const cursor = hello.cursor ?? "";
  const dot = cursor.lastIndexOf(".");
  const epoch = cursor.slice(0, dot);
  const pos = Number(cursor.slice(dot + 1));
  // A fresh start (no cursor yet) or another epoch: follow from the hello's position.
  if (epochs[i] !== epoch || lastPos[i]! < 0) {
    epochs[i] = epoch;
    lastPos[i] = pos;
  }
  state[i] = State.Ready;
  connecting--;
  attempts[i] = 0;
  helloAt[i] = now();
  readyCount++;
  if (readyCount === tokens.length && !wasAllReady) {
    wasAllReady = true;
    out({ type: "ready", t: helloAt[i] });
  }
  pump();
}

/** The web client's reconnect delay: exponential from backoffMs up to 30 s, equal jitter. */
const backoff = (attempt: number) => {
  const ceiling = Math.min(30_000, backoffMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
};

function connect(i: number) {
  if (stopping) return;
  state[i] = State.Connecting;
  connecting++;
  let ws: WebSocket;
  try {
    ws = new WebSocket(url);
  } catch {
    return closed(i, 1006);
  }
  sockets[i] = ws;
  ws.onopen = () => {
    state[i] = State.Authenticating;
    const resume = epochs[i] !== undefined && lastPos[i]! >= 0
      ? `,"resume":${JSON.stringify(`${epochs[i]}.${lastPos[i]}`)}`
      : "";
    ws.send(`{"type":"auth","token":${JSON.stringify(tokens[i])}${resume}}`);
  };
  ws.onmessage = (e) => onFrame(i, e.data as string);
  ws.onerror = () => {};
  ws.onclose = (e) => closed(i, e.code);
}

function closed(i: number, code: number) {
  if (state[i] === State.Ready) {
    readyCount--;
    wasAllReady = false;
  } else if (state[i] === State.Connecting || state[i] === State.Authenticating) connecting--;
  sockets[i] = undefined;
  closes.set(code, (closes.get(code) ?? 0) + 1);
  if (stopping) {
    state[i] = State.Stopped;
    return;
  }
  if (code === 4400) {
    state[i] = State.Stopped; // a protocol error: reconnecting would not help
    return pump();
  }
  // 4401/4403 included: the web client asks whether the session still stands, then reconnects;
  // these tokens are valid for a day, so a 4401 here is the server's slowness (counted in closes).
  state[i] = State.Idle;
  const delay = backoff(attempts[i]!);
  attempts[i] = Math.min(attempts[i]! + 1, 16);
  setTimeout(() => {
    if (state[i] === State.Idle) connect(i);
  }, delay);
  pump();
}

/** The first opening: at most `concurrency` handshakes in flight. */
let nextToOpen = 0;
let concurrency = 256;
function pump() {
  while (nextToOpen < tokens.length && connecting < concurrency && !stopping) {
    connect(nextToOpen++);
  }
}

function open(o: {
  url: string;
  /** The token of each group (user); a socket authenticates with its group's. */
  tokens: string[];
  /** Each socket's group. */
  groups: number[];
  concurrency?: number;
  backoffMs?: number;
}) {
  url = o.url;
  concurrency = o.concurrency ?? 256;
  backoffMs = o.backoffMs ?? 500;
  const n = o.groups.length;
  tokens = o.groups.map((g) => o.tokens[g]!);
  groups = Uint8Array.from(o.groups);
  state = new Uint8Array(n);
  attempts = new Uint8Array(n);
  lastPos = new Float64Array(n).fill(-1);
  helloAt = new Float64Array(n);
  epochs = new Array(n);
  sockets = new Array(n);
  nextToOpen = 0;
  pump();
}

function report(tag: string) {
  const p = phases.get(tag);
  const hist: [number, number][] = [];
  p?.hist.forEach((c, i) => c && hist.push([i, c]));
  out({ type: "report", phase: tag, n: p?.n ?? 0, hist, time: p ? [...p.time] : [] });
}

function verify(tag: string, expected: number[]) {
  const p = phases.get(tag);
  let short = 0, over = 0, missing = 0, extra = 0;
  for (let i = 0; i < tokens.length; i++) {
    const got = p?.counts[i] ?? 0;
    const want = expected[groups[i]!] ?? 0;
    if (got < want) (short++, missing += want - got);
    if (got > want) (over++, extra += got - want);
  }
  out({
    type: "verify",
    phase: tag,
    sockets: tokens.length,
    short,
    over,
    missing,
    extra,
    duplicates,
    resyncs,
  });
}

function hellos(since: number) {
  const ms: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (state[i] === State.Ready) ms.push(Math.round((helloAt[i]! - since) * 10) / 10);
  }
  out({ type: "hellos", ms });
}

async function closeAll() {
  stopping = true;
  for (const ws of sockets) {
    try {
      ws?.close(1000, "benchmark done");
    } catch { /* not open yet */ }
  }
  const deadline = now() + 5_000;
  while (sockets.some((s) => s) && now() < deadline) await new Promise((r) => setTimeout(r, 50));
  out({ type: "closed" });
  Deno.exit(0);
}

// deno-lint-ignore no-explicit-any
async function commands(handle: (c: any) => void | Promise<void>) {
  const dec = new TextDecoder();
  let buf = "";
  for await (const chunk of Deno.stdin.readable) {
    buf += dec.decode(chunk, { stream: true });
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) await handle(JSON.parse(line));
    }
  }
  // The driver went away: nothing to report to.
  Deno.exit(0);
}

if (import.meta.main) {
  setInterval(() => {
    out({
      type: "tick",
      t: now(),
      ready: readyCount,
      connecting,
      delivered,
      duplicates,
      resyncs,
      closes: Object.fromEntries(closes),
    });
  }, 500);
  await commands(async (c) => {
    switch (c.cmd) {
      case "open":
        return open(c);
      case "report":
        return report(c.phase);
      case "verify":
        return verify(c.phase, c.expected);
      case "hellos":
        return hellos(c.since);
      case "close":
        return await closeAll();
    }
  });
}
