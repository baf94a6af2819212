/**
 * A probe inside an embedded CoLink server, loaded with `deno run --preload` (bench:realtime
 * --probe=FILE starts CoLink with it and `--v8-flags=--expose-gc`). It changes nothing the server
 * does until asked, and answers two questions a V8 CPU profile cannot:
 *
 * - Which SQL statements PGlite spends its time on. The callers are behind PGlite's async mutex,
 *   so a profile's stacks end in PGlite; this wraps PGlite's one synchronous entry point,
 *   execProtocolRawSync, whose wire messages name the statement (Parse and Query messages carry
 *   the SQL); the time until it returns is charged to the last statement parsed.
 * - How the server's memory splits between the JavaScript heap and the rest (sockets, buffers,
 *   WASM). On SIGUSR2 it runs a full GC (when exposed) and records Deno.memoryUsage().
 *
 * It writes `{sql: [{sql, calls, executions, ms}], memory: [{at, rss, heapTotal, heapUsed,
 * external}]}` to PROBE_OUT every second (statements by time, most first).
 */
import { PGlite } from "@electric-sql/pglite";

const target = Deno.env.get("PROBE_OUT");
if (target) {
  const stats = new Map<string, { calls: number; executions: number; ms: number }>();
  const memory: Record<string, number>[] = [];
  const proto = PGlite.prototype as unknown as {
    execProtocolRawSync(msg: Uint8Array): Uint8Array;
  };
  const original = proto.execProtocolRawSync;
  const dec = new TextDecoder();
  const normalize = (sql: string) => sql.replace(/\s+/g, " ").trim().slice(0, 200);
  const cstring = (msg: Uint8Array, from: number) => {
    let end = from;
    while (end < msg.length && msg[end] !== 0) end++;
    return { text: dec.decode(msg.subarray(from, end)), next: end + 1 };
  };
  let current = "(start-up)";
  proto.execProtocolRawSync = function (this: unknown, msg: Uint8Array) {
    let executions = 0;
    for (let off = 0; off + 5 <= msg.length;) {
      const type = msg[off]!;
      const len = ((msg[off + 1]! << 24) | (msg[off + 2]! << 16) | (msg[off + 3]! << 8) |
        msg[off + 4]!) >>> 0;
      if (type === 0x50 /* Parse: name, query */) {
        current = normalize(cstring(msg, cstring(msg, off + 5).next).text);
      } else if (type === 0x51 /* Query */) {
        current = normalize(cstring(msg, off + 5).text);
        executions++;
      } else if (type === 0x45 /* Execute */) executions++;
      if (len < 4) break;
      off += 1 + len;
    }
    const key = current;
    const start = performance.now();
    try {
      return original.call(this, msg);
    } finally {
      const s = stats.get(key) ?? { calls: 0, executions: 0, ms: 0 };
      s.calls++;
      s.executions += executions;
      s.ms += performance.now() - start;
      stats.set(key, s);
    }
  };
  const write = () => {
    const sql = [...stats].map(([sql, s]) => ({ sql, ...s, ms: Math.round(s.ms) }))
      .sort((a, b) => b.ms - a.ms);
    Deno.writeTextFileSync(target, JSON.stringify({ sql, memory }, null, 1));
  };
  Deno.addSignalListener("SIGUSR2", () => {
    (globalThis as { gc?: () => void }).gc?.();
    memory.push({ at: Date.now(), ...Deno.memoryUsage() });
    write();
  });
  const timer = setInterval(write, 1_000);
  Deno.unrefTimer(timer);
}
