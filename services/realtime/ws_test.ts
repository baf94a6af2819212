import assert from "node:assert/strict";
import { DEV_USERS } from "@colink/db";
import {
  eventually,
  firstReply,
  forgedTokensForIssuer,
  sleep,
  startProcess,
  tokenExpiringIn,
} from "@colink/testing";
import { realtimeService } from "./app.ts";

Deno.test({
  name: "WebSocket: every forged token in the table is closed with 4401; genuine ones get hello",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const p = await startProcess([realtimeService]);
    try {
      const table = await forgedTokensForIssuer(
        p.proc.issuer!.keys,
        `${p.base}/realms/colink`,
        DEV_USERS[1]!,
      );
      for (const tc of table) {
        await t.step(`${tc.accepted ? "accepts" : "rejects"}: ${tc.name}`, async () => {
          const got = await firstReply(p.wsBase, { type: "auth", token: tc.token });
          if (tc.accepted) {
            assert.equal(got.frame?.type, "hello", JSON.stringify(got));
            assert.match(String(got.frame?.user_id), /^[0-9a-f-]{36}$/);
          } else {
            assert.deepEqual(got, { close: 4401 });
          }
        });
      }
      await t.step("rejects: a first frame that is not auth", async () => {
        assert.deepEqual(await firstReply(p.wsBase, { type: "ping" }), { close: 4401 });
        assert.deepEqual(await firstReply(p.wsBase, "{not json"), { close: 4401 });
      });
      await t.step("rejects: no auth frame within 5 seconds", async () => {
        assert.deepEqual(await firstReply(p.wsBase), { close: 4401 });
      });
      await t.step("after hello, ping gets pong", async () => {
        const frames = await new Promise<string[]>((resolve, reject) => {
          const ws = new WebSocket(`${p.wsBase}/ws`);
          const got: string[] = [];
          ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token: table[0]!.token }));
          ws.onmessage = (e) => {
            got.push(JSON.parse(e.data).type);
            if (got.length === 1) ws.send(JSON.stringify({ type: "ping" }));
            else {
              ws.close();
              resolve(got);
            }
          };
          ws.onerror = () => reject(new Error("socket error"));
        });
        assert.deepEqual(frames, ["hello", "pong"]);
      });
      await t.step("a plain GET /ws is a 426 in the error shape", async () => {
        const res = await fetch(`${p.base}/ws`);
        assert.equal(res.status, 426);
        assert.equal((await res.json()).error.code, "upgrade_required");
      });
    } finally {
      await p.close();
    }
  },
});

/** A TCP connection that performs the WebSocket handshake by hand and then says nothing. */
async function rawUpgrade(port: number): Promise<{ status: number; conn: Deno.Conn }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  await conn.write(new TextEncoder().encode(
    `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  ));
  const buf = new Uint8Array(4096);
  const n = await conn.read(buf);
  const head = new TextDecoder().decode(buf.subarray(0, n ?? 0));
  return { status: Number(head.split(" ")[1]), conn };
}

/** Resolves when the peer closes the TCP connection (reads and discards whatever it sends). */
async function peerClosed(conn: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(4096);
  try {
    while ((await conn.read(buf)) !== null) { /* a ping or a close frame */ }
  } catch { /* reset */ }
}

/** A socket that records its frames and its close code. */
function openSocket(wsBase: string, token: string) {
  const ws = new WebSocket(`${wsBase}/ws`);
  const frames: Record<string, unknown>[] = [];
  let code: number | undefined;
  const closed = new Promise<number>((resolve) => {
    ws.onclose = (e) => resolve(code = e.code);
  });
  ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token }));
  ws.onmessage = (e) => frames.push(JSON.parse(e.data));
  return {
    ws,
    frames,
    closed,
    get code() {
      return code;
    },
    hello: () => eventually(() => assert.ok(frames.some((f) => f.type === "hello"))),
  };
}

Deno.test({
  name: "WebSocket limits: frame size, credential expiry and renewal, idle peers, shutdown",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const p = await startProcess([realtimeService], { WS_IDLE_TIMEOUT_SEC: "1" });
    const port = Number(new URL(p.base).port);
    const issuer = `${p.base}/realms/colink`;
    const user = DEV_USERS[1]!;
    const token = (seconds: number) => tokenExpiringIn(p.proc.issuer!.keys, issuer, user, seconds);
    try {
      await t.step("a frame over 16 KiB closes the socket with 4400", async () => {
        const s = openSocket(p.wsBase, await token(60));
        await s.hello();
        s.ws.send(JSON.stringify({ type: "ping" }));
        await eventually(() => assert.ok(s.frames.some((f) => f.type === "pong")));
        s.ws.send(JSON.stringify({ type: "typing", channel_id: "x".repeat(16_400) }));
        assert.equal(await s.closed, 4400);
      });

      await t.step(
        "expired credentials close with 4403; a renewal outlives the first token",
        async () => {
          const started = Date.now();
          const [lapsing, renewed] = [
            openSocket(p.wsBase, await token(2)),
            openSocket(p.wsBase, await token(2)),
          ];
          await Promise.all([lapsing.hello(), renewed.hello()]);
          renewed.ws.send(JSON.stringify({ type: "auth", token: await token(5) }));
          await eventually(() => assert.ok(renewed.frames.some((f) => f.type === "auth_renewed")));
          assert.equal(await lapsing.closed, 4403);
          const lapsedAfter = Date.now() - started;
          assert.ok(lapsedAfter >= 1_000, `closed after ${lapsedAfter} ms, not before expiry`);
          await sleep(1_500);
          assert.equal(renewed.code, undefined, "still open after the first token expired");
          assert.equal(await renewed.closed, 4403, "and closed when the renewed one did");
          assert.ok(Date.now() - started >= 3_500);
        },
      );

      await t.step(
        "a peer that never answers the server's pings is closed; a live client stays",
        async () => {
          const live = openSocket(p.wsBase, await token(60));
          await live.hello();
          const { status, conn } = await rawUpgrade(port);
          assert.equal(status, 101);
          const started = Date.now();
          // The raw peer never sends a pong (nor anything else); Deno's client answers pings.
          await peerClosed(conn);
          const silentFor = Date.now() - started;
          conn.close();
          assert.ok(silentFor < 5_000, `closed after ${silentFor} ms`);
          assert.equal(live.code, undefined, "the client that answers pings is still open");
          live.ws.close();
          await live.closed;
        },
      );

      await t.step(
        "while the instance stops: open sockets close with 1012, new upgrades get 503",
        async () => {
          const open = openSocket(p.wsBase, await token(60));
          await open.hello();
          const draining = p.proc.drain();
          assert.equal(await open.closed, 1012);
          const refused = await rawUpgrade(port);
          refused.conn.close();
          assert.equal(refused.status, 503);
          await draining;
        },
      );
    } finally {
      await p.close();
    }
  },
});
