import assert from "node:assert/strict";
import {
  createBrowser,
  passwordGrant,
  type RunningProcess,
  signInWithForms,
  startProcess,
} from "@colink/testing";
import { realtimeService } from "@colink/svc-realtime";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Sends a WebSocket upgrade request for /ws on a raw TCP connection and reads the answer's
 * status line, headers and body: unlike the WebSocket API, this shows why an upgrade failed.
 */
async function handshake(
  base: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: string }> {
  const url = new URL(base);
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  try {
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    const request = [
      "GET /ws HTTP/1.1",
      `Host: ${url.host}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${key}`,
      "Sec-WebSocket-Version: 13",
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      "",
      "",
    ].join("\r\n");
    await conn.write(encoder.encode(request));
    let raw = "";
    const buf = new Uint8Array(16_384);
    let end = -1;
    while (end < 0) {
      const n = await conn.read(buf);
      if (n === null) throw new Error(`connection closed mid-answer: ${JSON.stringify(raw)}`);
      raw += decoder.decode(buf.subarray(0, n), { stream: true });
      end = raw.indexOf("\r\n\r\n");
    }
    const [statusLine, ...lines] = raw.slice(0, end).split("\r\n");
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine!)?.[1]);
    const answer = new Headers(lines.map((l) => {
      const i = l.indexOf(":");
      return [l.slice(0, i).trim(), l.slice(i + 1).trim()] as [string, string];
    }));
    let body = raw.slice(end + 4);
    if (status !== 101) {
      const length = Number(answer.get("content-length") ?? NaN);
      while (Number.isNaN(length) || encoder.encode(body).length < length) {
        const n = await conn.read(buf);
        if (n === null) break;
        body += decoder.decode(buf.subarray(0, n), { stream: true });
      }
    }
    return { status, headers: answer, body };
  } finally {
    conn.close();
  }
}

/**
 * Opens /ws with the WebSocket API, sends an auth frame without a token (so only what the upgrade
 * request carried can authenticate it), and reports the first frame or the close code.
 */
function openSocket(
  wsBase: string,
  headers: Record<string, string>,
): Promise<{ frame?: Record<string, unknown>; close?: number; error?: true }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${wsBase}/ws`, { headers });
    const timer = setTimeout(() => {
      ws.close();
      resolve({});
    }, 8_000);
    ws.onopen = () => ws.send(JSON.stringify({ type: "auth" }));
    ws.onmessage = (e) => {
      clearTimeout(timer);
      resolve({ frame: JSON.parse(e.data) });
      ws.close();
    };
    ws.onerror = () => {
      clearTimeout(timer);
      resolve({ error: true });
    };
    ws.onclose = (e) => {
      clearTimeout(timer);
      resolve({ close: e.code });
    };
  });
}

async function signIn(p: RunningProcess, username: string): Promise<string> {
  const browser = createBrowser();
  const start = await browser.follow(`${p.base}/auth/login`);
  const callback = await signInWithForms(
    browser,
    start,
    { username, password: "colink-dev" },
    (u) => u.pathname === "/auth/callback",
  );
  const landed = await browser.fetch(callback.toString());
  await landed.body?.cancel();
  const session = browser.cookie(p.base, "colink_session");
  assert.ok(session, "signed in: the session cookie is set");
  return `colink_session=${session}`;
}

async function userId(p: RunningProcess, headers: Record<string, string>): Promise<string> {
  const res = await fetch(`${p.base}/api/v1/me`, { headers });
  assert.equal(res.status, 200);
  return (await res.json()).id;
}

Deno.test({
  name:
    "a cookie-authenticated WebSocket upgrade must come from an allowed Origin; Bearer upgrades need no Origin",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const p = await startProcess([gatewayService, usersService, realtimeService], {
      COLINK_ENV: "development",
    });
    try {
      const allowed = new URL(p.base).origin;
      const cookie = await signIn(p, "carol");
      const carol = await userId(p, { cookie });
      const { body: grant } = await passwordGrant(
        fetch,
        `${p.base}/realms/colink/protocol/openid-connect/token`,
        "bob",
      );
      const bearer = `Bearer ${grant.access_token}`;
      const bob = await userId(p, { authorization: bearer });
      assert.notEqual(carol, bob);

      const port = Number(new URL(p.base).port);
      const foreign = [
        "https://evil.example",
        `http://127.0.0.1.evil.example:${port}`, // a prefix match would let this one through
        `https://127.0.0.1:${port}`, // same host and port, other scheme
        `http://127.0.0.1:${port + 1}`, // same host, other port
        "null", // sandboxed iframes and file: pages
      ];
      for (const origin of foreign) {
        await t.step(`session cookie from Origin ${origin}: 403 origin_not_allowed`, async () => {
          const res = await handshake(p.base, { cookie, origin });
          assert.equal(res.status, 403, res.body);
          assert.equal(JSON.parse(res.body).error.code, "origin_not_allowed");
          assert.deepEqual(await openSocket(p.wsBase, { cookie, origin }), { error: true });
        });
      }

      await t.step("session cookie without any Origin: 403 origin_not_allowed", async () => {
        const res = await handshake(p.base, { cookie });
        assert.equal(res.status, 403, res.body);
        assert.equal(JSON.parse(res.body).error.code, "origin_not_allowed");
      });

      await t.step(
        "session cookie from the allowed Origin: upgraded, authenticated as the session's user",
        async () => {
          const res = await handshake(p.base, { cookie, origin: allowed });
          assert.equal(res.status, 101, res.body);
          assert.equal(res.headers.get("upgrade")?.toLowerCase(), "websocket");
          const got = await openSocket(p.wsBase, { cookie, origin: allowed });
          assert.equal(got.frame?.type, "hello", JSON.stringify(got));
          assert.equal(got.frame?.user_id, carol);
        },
      );

      await t.step(
        "Bearer token from a foreign Origin: upgraded (the cookie rule is not for Bearer clients)",
        async () => {
          const headers = { authorization: bearer, origin: "https://evil.example" };
          assert.equal((await handshake(p.base, headers)).status, 101);
          const got = await openSocket(p.wsBase, headers);
          assert.equal(got.frame?.type, "hello", JSON.stringify(got));
          assert.equal(got.frame?.user_id, bob);
        },
      );

      await t.step(
        "Bearer token and a session cookie from a foreign Origin: upgraded as the Bearer's user, the cookie ignored",
        async () => {
          const headers = { authorization: bearer, cookie, origin: "https://evil.example" };
          assert.equal((await handshake(p.base, headers)).status, 101);
          const got = await openSocket(p.wsBase, headers);
          assert.equal(got.frame?.type, "hello", JSON.stringify(got));
          assert.equal(got.frame?.user_id, bob);
        },
      );
    } finally {
      await p.close();
    }
  },
});
