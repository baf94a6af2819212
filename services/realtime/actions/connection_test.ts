import assert from "node:assert/strict";
import type { PrincipalResolver, TokenVerifier } from "@colink/auth";
import { type ServerFrame, WS_CLOSE } from "@colink/contracts";
import { silentLogger } from "@colink/http";
import { type ConnectionSubscriber, createConnection, type Streaming } from "./connection.ts";
import type { StreamRow } from "./event_log.ts";
import { Hub } from "./hub.ts";

Deno.test("connection: credentials still being checked when the auth time is up close with 1013 (retry), and nothing follows", async () => {
  let finish: () => void = () => {};
  const verifier: TokenVerifier = {
    // The IdP's keys or the database are slow: the check outlives the socket's auth window.
    verify: () =>
      new Promise((resolve) => {
        finish = () =>
          resolve({
            sub: "s",
            username: "u",
            realmRoles: [],
            expiresAt: new Date(Date.now() + 60_000),
          });
      }),
  };
  const principals: PrincipalResolver = {
    resolve: (id) =>
      Promise.resolve({ userId: "u1", sub: id.sub, username: id.username, realmRoles: [] }),
    invalidate: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  const sent: ServerFrame[] = [];
  const closes: number[] = [];
  const conn = createConnection(
    {
      send: (f) => sent.push(JSON.parse(f)),
      close: (code) => closes.push(code),
      bufferedAmount: () => 0,
    },
    { verifier, principals, logger: silentLogger, authTimeoutMs: 50 },
  );
  const auth = conn.onMessage(JSON.stringify({ type: "auth", token: "a.b.c" }));
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(closes, [WS_CLOSE.tryAgainLater]);
  finish();
  await auth;
  assert.deepEqual(sent, [], "no hello on a closed socket");
  assert.deepEqual(closes, [WS_CLOSE.tryAgainLater]);
  assert.equal(conn.principal, undefined);
});

const verifier: TokenVerifier = {
  verify: (token) =>
    Promise.resolve({
      sub: token,
      username: token,
      realmRoles: [],
      expiresAt: new Date(Date.now() + 60_000),
    }),
};
const principals: PrincipalResolver = {
  resolve: (id) =>
    Promise.resolve({ userId: id.sub, sub: id.sub, username: id.username, realmRoles: [] }),
  invalidate: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

/** A socket whose unsent bytes the test decides (a client that stopped reading, or not). */
function fakeSocket() {
  const s = {
    buffered: 0,
    sent: [] as { type: string; event?: string; cursor?: string }[],
    closes: [] as number[],
    send: (f: string) => void s.sent.push(JSON.parse(f)),
    close: (code: number) => void s.closes.push(code),
    bufferedAmount: () => s.buffered,
  };
  return s;
}

/** An instance whose stream is empty and whose users are all in conversation c1. */
function fakeStreaming(hub: Hub): Streaming {
  return {
    hub,
    tail: {
      position: 0,
      epoch: "e1",
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
    },
    log: {
      state: () => Promise.resolve({ epoch: "e1", head: 0, prunedThrough: 0 }),
      read: () => Promise.resolve([]),
    },
    conversations: () => Promise.resolve(["c1"]),
  };
}

const row = (position: number, conv: string, size = 100): StreamRow => ({
  position,
  topic: "message.created",
  aggregate_id: conv,
  recipient_id: null,
  event: {
    id: crypto.randomUUID(),
    type: "message.created",
    aggregate_id: conv,
    occurred_at: new Date().toISOString(),
    data: { channel_id: conv, content: "x".repeat(size) },
  },
});

Deno.test("backpressure: a slow socket gets ephemeral frames dropped first, then 4408; others are not held up", async () => {
  const hub = new Hub();
  const streaming = fakeStreaming(hub);
  const limits = { maxBufferedBytes: 20_000, ephemeralDropBytes: 1_000 };
  const open = async (user: string) => {
    const sock = fakeSocket();
    const conn = createConnection(sock, {
      verifier,
      principals,
      logger: silentLogger,
      streaming,
      limits,
    });
    await conn.onMessage(JSON.stringify({ type: "auth", token: user }));
    assert.equal(sock.sent[0]?.type, "hello");
    const sub = [...hub.ofUser(user)][0] as ConnectionSubscriber;
    return { sock, sub };
  };
  const slow = await open("slow");
  const fast = await open("fast");
  const typing = {
    type: "event",
    event: "typing",
    data: { channel_id: "c1", user_id: "x" },
  } as const;

  slow.sock.buffered = 5_000; // the client stopped reading
  slow.sub.ephemeral(typing);
  fast.sub.ephemeral(typing);
  assert.equal(
    slow.sock.sent.filter((f) => f.event === "typing").length,
    0,
    "dropped when backed up",
  );
  assert.equal(fast.sock.sent.filter((f) => f.event === "typing").length, 1);

  hub.dispatch([row(1, "c1"), row(2, "c1")]);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(
    fast.sock.sent.filter((f) => f.event === "message.created").length,
    2,
    "fast gets them at once",
  );
  assert.equal(
    slow.sock.sent.filter((f) => f.event === "message.created").length,
    0,
    "queued, not sent",
  );
  assert.deepEqual(slow.sock.closes, []);

  // More than the bound queued or buffered: closed with 4408, so the client resumes.
  hub.dispatch([row(3, "c1", 8_000), row(4, "c1", 8_000)]);
  assert.deepEqual(slow.sock.closes, [WS_CLOSE.tooSlow]);
  assert.deepEqual(fast.sock.closes, []);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(fast.sock.sent.filter((f) => f.event === "message.created").length, 4);
});

Deno.test("a slow socket that drains gets its queued events, in order", async () => {
  const hub = new Hub();
  const streaming = fakeStreaming(hub);
  const sock = fakeSocket();
  const conn = createConnection(sock, {
    verifier,
    principals,
    logger: silentLogger,
    streaming,
    limits: { maxBufferedBytes: 100_000, ephemeralDropBytes: 1_000 },
  });
  await conn.onMessage(JSON.stringify({ type: "auth", token: "u" }));
  sock.buffered = 5_000;
  hub.dispatch([row(1, "c1"), row(2, "c1"), row(3, "c1")]);
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(sock.sent.filter((f) => f.event).length, 0);
  sock.buffered = 0;
  await new Promise((r) => setTimeout(r, 60));
  const positions = sock.sent.filter((f) => f.event).map((f) =>
    Number((f as { cursor: string }).cursor.split(".")[1])
  );
  assert.deepEqual(positions, [1, 2, 3]);
  conn.onClose();
});

Deno.test("a removal drops the conversation's events already queued for the socket; the removal itself arrives", async () => {
  const hub = new Hub();
  const sock = fakeSocket();
  const conn = createConnection(sock, {
    verifier,
    principals,
    logger: silentLogger,
    streaming: fakeStreaming(hub),
    limits: { maxBufferedBytes: 100_000, ephemeralDropBytes: 1_000 },
  });
  await conn.onMessage(JSON.stringify({ type: "auth", token: "u" }));
  sock.buffered = 5_000; // backed up: what follows waits in the socket's queue
  const left: StreamRow = {
    ...row(4, "c1"),
    topic: "channel.member_left",
    event: { ...row(4, "c1").event, type: "channel.member_left", data: { user_id: "u" } },
  };
  hub.dispatch([row(1, "c1"), row(2, "c1"), row(3, "c1"), left, row(5, "c1")]);
  await new Promise((r) => setTimeout(r, 40));
  sock.buffered = 0;
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(
    sock.sent.filter((f) => f.event).map((f) => f.event),
    ["channel.member_left"],
    "the queued messages of the channel are gone; nothing after the removal",
  );
  conn.onClose();
});

Deno.test("an overloaded process that notices the auth window late closes with 1013 (retry), not 4401", async () => {
  const sock = fakeSocket();
  createConnection(sock, { verifier, principals, logger: silentLogger, authTimeoutMs: 50 });
  // The event loop is stuck (a reconnect storm): the timer runs well after its time, and an auth
  // frame may be sitting unread. Clients drop their credentials on 4401, so it must not be that.
  const until = Date.now() + 1_200;
  while (Date.now() < until) { /* busy */ }
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(sock.closes, [WS_CLOSE.tryAgainLater]);
});

Deno.test("a client that sends nothing within the auth window is closed with 4401", async () => {
  const sock = fakeSocket();
  createConnection(sock, { verifier, principals, logger: silentLogger, authTimeoutMs: 50 });
  await new Promise((r) => setTimeout(r, 120));
  assert.deepEqual(sock.closes, [WS_CLOSE.unauthenticated]);
});
