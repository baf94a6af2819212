/**
 * Where an embedded CoLink's PGlite time goes, by SQL statement: a `--preload` module for the
 * server process (bench:realtime --sql-profile=FILE starts CoLink with it). A V8 CPU profile cannot
 * say which query PGlite is running (the callers are behind an async mutex), so this wraps PGlite's
 * one synchronous entry point, execProtocolRawSync: the wire messages it is handed name the
 * statement (Parse and Query messages carry the SQL), and the time until it returns is that
 * statement's (Bind, Execute and Sync that follow a Parse are charged to it).
 *
 *   SQL_PROFILE_OUT=/tmp/sql.json deno run --preload shared/bench/realtime_sql_profile.ts ... \
 *     services/gateway/main.ts
 *
 * Writes `[{sql, calls, executions, ms}]`, most time first, to SQL_PROFILE_OUT every 2 s.
 */
import { PGlite } from "@electric-sql/pglite";

const target = Deno.env.get("SQL_PROFILE_OUT");
if (target) {
  const proto = PGlite.prototype as unknown as {
    execProtocolRawSync(msg: Uint8Array): Uint8Array;
  };
  const original = proto.execProtocolRawSync;
  const stats = new Map<string, { calls: number; executions: number; ms: number }>();
  const dec = new TextDecoder();
  const normalize = (sql: string) => sql.replace(/\s+/g, " ").trim().slice(0, 160);
  const cstring = (msg: Uint8Array, from: number) => {
    let end = from;
    while (end < msg.length && msg[end] !== 0) end++;
    return { text: dec.decode(msg.subarray(from, end)), next: end + 1 };
  };
  let current = "(startup)";
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
  const timer = setInterval(() => {
    const rows = [...stats].map(([sql, s]) => ({ sql, ...s, ms: Math.round(s.ms) }))
      .sort((a, b) => b.ms - a.ms);
    Deno.writeTextFileSync(target, JSON.stringify(rows, null, 1));
  }, 2_000);
  Deno.unrefTimer(timer);
}
