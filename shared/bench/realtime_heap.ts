/**
 * What an idle socket costs in the JavaScript heap, by object type: heap snapshots of a server
 * (through the V8 inspector, after a full GC) before and after opening N sockets, diffed per socket.
 * Companion of bench:realtime's memory column, which only sees the RSS.
 *
 *   deno run -A shared/bench/realtime_heap.ts [sockets, default 3000] [--raw]
 *
 * The server is CoLink embedded (`services/gateway/main.ts`, fresh temporary data dir, sockets
 * authenticated as alice) or, with --raw, shared/bench/raw_ws_server.ts. 20 sockets warm the path
 * before the first snapshot; the second is taken 6 s after the last socket's hello (past the 5 s
 * auth timers). Prints self sizes per socket for the 40 largest growths (constructor names for
 * objects, function names for closures; strings and code summed).
 */
import { freePort, passwordGrant } from "@colink/testing";
import { REPO_ROOT } from "./stats.ts";

const sockets = Number(Deno.args.find((a) => !a.startsWith("--")) ?? 3000);
const raw = Deno.args.includes("--raw");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count per object type. */
function byType(s: Snapshot): Map<string, { n: number; bytes: number }> {
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [width, type, name, size] = [
    fields.length,
    fields.indexOf("type"),
    fields.indexOf("name"),
    fields.indexOf("self_size"),
  ];
  const out = new Map<string, { n: number; bytes: number }>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const t = types[s.nodes[i + type]!]!;
    const label = t.endsWith("string")
      ? "(strings)"
      : t === "code"
      ? "(code)"
      : s.strings[s.nodes[i + name]!]!.slice(0, 80);
    const key = `${t}: ${label}`;
    const e = out.get(key) ?? { n: 0, bytes: 0 };
    e.n++;
    e.bytes += s.nodes[i + size]!;
    out.set(key, e);
  }
  return out;
}

async function main() {
  const port = freePort();
  const inspector = freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = await Deno.makeTempDir({ prefix: "colink-bench-heap-" });
  const script = raw
    ? ["shared/bench/raw_ws_server.ts", String(port), JSON.stringify({ alice: ["c1"] })]
    : ["services/gateway/main.ts"];
  const high = "1000000000";
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `--inspect=127.0.0.1:${inspector}`, ...script],
    cwd: REPO_ROOT,
    env: {
      COLINK_MODE: "embedded",
      COLINK_ENV: "development",
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      PUBLIC_URL: base,
      LOG_LEVEL: "warn",
      EMBEDDED_ISSUER_ACCESS_TTL_SEC: "86400",
      RATE_LIMIT_READS_PER_MIN: high,
      RATE_LIMIT_WRITES_PER_MIN: high,
      RATE_LIMIT_IP_PER_MIN: high,
      RATE_LIMIT_LOGIN_PER_MIN: high,
    },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const open: WebSocket[] = [];
  let cdp: WebSocket | undefined;
  try {
    for (let i = 0;; i++) {
      try {
        const res = await fetch(`${base}/health`);
        await res.body?.cancel();
        if (res.ok) break;
      } catch { /* not listening yet */ }
      if (i > 1200) throw new Error("the server did not start");
      await sleep(100);
    }
    const token = raw ? "alice" : String(
      (await passwordGrant(fetch, `${base}/realms/colink/protocol/openid-connect/token`, "alice"))
        .body.access_token,
    );
    const targets = await (await fetch(`http://127.0.0.1:${inspector}/json`)).json();
    const ws = cdp = new WebSocket(targets[0].webSocketDebuggerUrl);
    await new Promise((r) => (ws.onopen = r));
    let id = 0;
    const answers = new Map<number, () => void>();
    let chunks: string[] = [];
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.method === "HeapProfiler.addHeapSnapshotChunk") chunks.push(m.params.chunk);
      if (m.id) answers.get(m.id)?.();
    };
    const call = (method: string, params = {}) =>
      new Promise<void>((resolve) => {
        answers.set(++id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      });
    const snapshot = async (): Promise<Snapshot> => {
      await call("HeapProfiler.collectGarbage");
      chunks = [];
      await call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
      return JSON.parse(chunks.join(""));
    };
    const connect = (n: number) =>
      Promise.all(Array.from({ length: n }, () =>
        new Promise<void>((resolve) => {
          const s = new WebSocket(`ws://127.0.0.1:${port}/ws`);
          open.push(s);
          s.onopen = () => s.send(JSON.stringify({ type: "auth", token }));
          s.onmessage = (e) => {
            if (String(e.data).startsWith('{"type":"hello"')) resolve();
          };
        })));
    await call("HeapProfiler.enable");
    await connect(20);
    await sleep(6_000);
    const before = byType(await snapshot());
    for (let i = 0; i < sockets; i += 200) await connect(Math.min(200, sockets - i));
    await sleep(6_000);
    const after = byType(await snapshot());
    const rows = [...after].map(([k, v]) => ({
      k,
      n: v.n - (before.get(k)?.n ?? 0),
      bytes: v.bytes - (before.get(k)?.bytes ?? 0),
    })).filter((r) => r.bytes > 0).sort((a, b) => b.bytes - a.bytes);
    const total = rows.reduce((a, r) => a + r.bytes, 0);
    console.log(
      `${raw ? "raw Deno WebSocket server" : "CoLink embedded"}, ${sockets} idle sockets: ` +
        `${(total / 1024 / sockets).toFixed(2)} KiB of JS heap per socket (self sizes, after GC)\n`,
    );
    console.log("| B per socket | objects per socket | type: name |\n| ---: | ---: | --- |");
    for (const r of rows.slice(0, 40)) {
      console.log(
        `| ${(r.bytes / sockets).toFixed(0)} | ${(r.n / sockets).toFixed(2)} | ${r.k} |`,
      );
    }
  } finally {
    for (const s of open) s.close();
    cdp?.close();
    child.kill("SIGINT");
    await child.status;
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main();
