import { chunks, type ScanResult, type VirusScanner } from "./port.ts";

export interface ClamdOptions {
  host: string;
  port: number;
  /** Whole-scan deadline; clamd can be slow on big archives. */
  timeoutMs?: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

async function talk(o: ClamdOptions, send: (conn: Deno.TcpConn) => Promise<void>): Promise<string> {
  const conn = await Deno.connect({ hostname: o.host, port: o.port });
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch { /* already closed */ }
  }, o.timeoutMs ?? 60_000);
  try {
    await send(conn);
    let reply = "";
    const buf = new Uint8Array(4096);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      reply += dec.decode(buf.subarray(0, n), { stream: true });
      if (reply.includes("\0")) break;
    }
    return reply.replace(/\0.*$/s, "").trim();
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer */ }
  }
}

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array) {
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}

/** The real scanner: clamd's INSTREAM command (length-prefixed chunks, zero-length terminator). */
export function createClamdScanner(o: ClamdOptions): VirusScanner {
  return {
    kind: "clamd",
    async scan(data): Promise<ScanResult> {
      const reply = await talk(o, async (conn) => {
        await writeAll(conn, enc.encode("zINSTREAM\0"));
        for await (const chunk of chunks(data)) {
          const header = new Uint8Array(4);
          new DataView(header.buffer).setUint32(0, chunk.length);
          await writeAll(conn, header);
          await writeAll(conn, chunk);
        }
        await writeAll(conn, new Uint8Array(4));
      });
      if (reply === "stream: OK") return { status: "clean" };
      const found = /^stream: (.+) FOUND$/.exec(reply);
      if (found) return { status: "infected", signature: found[1]! };
      throw new Error(`clamd could not scan: ${reply || "no reply"}`);
    },
    async ping() {
      const reply = await talk(o, (conn) => writeAll(conn, enc.encode("zPING\0")));
      if (reply !== "PONG") throw new Error(`clamd answered ${JSON.stringify(reply)} to PING`);
    },
    close: () => Promise.resolve(),
  };
}
