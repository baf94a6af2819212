import assert from "node:assert/strict";
import { backoffDelay } from "./backoff.ts";
import { RealtimeClient, type RealtimeHandlers, type WebSocketLike } from "./socket.ts";
import { showReconnecting, socketState } from "./status.ts";

class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(frame: Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop(code: number) {
    this.readyState = 3;
    this.onclose?.({ code, reason: "" });
  }
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

function harness(over: Partial<RealtimeHandlers> = {}) {
  FakeSocket.all = [];
  const seen: { hello: boolean[]; events: [string, unknown, boolean][]; resyncs: number } = {
    hello: [],
    events: [],
    resyncs: 0,
  };
  const client = new RealtimeClient({
    url: "ws://test/ws",
    createSocket: (url) => new FakeSocket(url),
    delay: () => 1,
    pingIntervalMs: 60_000,
    handlers: {
      onHello: ({ resumed }) => seen.hello.push(resumed),
      onEvent: (e, d, durable) => seen.events.push([e, d, durable]),
      onResync: () => seen.resyncs++,
      onUnauthenticated: () => Promise.resolve(true),
      ...over,
    },
  });
  const last = () => FakeSocket.all.at(-1)!;
  return { client, seen, last };
}

Deno.test("backoffDelay() doubles up to a ceiling, with half of each delay random", () => {
  assert.equal(backoffDelay(0, () => 0), 250);
  assert.equal(backoffDelay(0, () => 1), 500);
  assert.equal(backoffDelay(3, () => 0), 2_000);
  assert.equal(backoffDelay(3, () => 1), 4_000);
  assert.equal(backoffDelay(20, () => 1), 30_000);
  assert.equal(backoffDelay(20, () => 0), 15_000);
});

Deno.test("the socket authenticates with the cookie and resumes from the last durable event after a drop", async () => {
  const { client, seen, last } = harness();
  client.start();
  const first = last();
  first.open();
  assert.deepEqual(first.sent, [{ type: "auth" }], "no token: the session cookie authenticates");
  first.receive({ type: "hello", user_id: "u1", cursor: "c0" });
  assert.equal(socketState.value, "open");
  first.receive({ type: "event", cursor: "c1", event: "message.created", data: { id: "m1" } });
  first.receive({ type: "event", event: "typing", data: { channel_id: "x", user_id: "u2" } });
  first.receive({
    type: "event",
    cursor: "c2",
    event: "reaction.added",
    data: { message_id: "m1" },
  });
  assert.deepEqual(seen.events.map(([e, , durable]) => [e, durable]), [
    ["message.created", true],
    ["typing", false],
    ["reaction.added", true],
  ]);
  first.drop(1006);
  assert.equal(socketState.value, "reconnecting");
  assert.equal(showReconnecting.value, true, "the banner shows once a live socket is lost");
  await tick();
  const second = last();
  assert.notEqual(second, first);
  second.open();
  assert.deepEqual(second.sent, [{ type: "auth", resume: "c2" }]);
  second.receive({ type: "hello", user_id: "u1", cursor: "c9" });
  assert.deepEqual(seen.hello, [false, true]);
  assert.equal(client.cursor, "c2", "a resumed stream keeps its own position until events move it");
  assert.equal(showReconnecting.value, false);
  client.stop();
});

Deno.test("resync_required: the state is reloaded and the stream continues from this connection's start", async () => {
  const { client, seen, last } = harness();
  client.start();
  last().open();
  last().receive({ type: "hello", user_id: "u1", cursor: "c0" });
  last().receive({ type: "event", cursor: "c1", event: "message.created", data: {} });
  last().drop(4408);
  await tick();
  last().open();
  assert.deepEqual(last().sent, [{ type: "auth", resume: "c1" }]);
  last().receive({ type: "hello", user_id: "u1", cursor: "c50" });
  last().receive({ type: "resync_required" });
  assert.equal(seen.resyncs, 1);
  assert.equal(client.cursor, "c50");
  last().receive({ type: "event", cursor: "c51", event: "message.created", data: {} });
  assert.equal(client.cursor, "c51");
  client.stop();
});

Deno.test("4401 asks whether the session still stands: signed out stops, signed in reconnects", async () => {
  let signedIn = true;
  const { client, last } = harness({ onUnauthenticated: () => Promise.resolve(signedIn) });
  client.start();
  last().open();
  last().drop(4401);
  await tick(20);
  assert.equal(FakeSocket.all.length, 2, "reconnected while the session stands");
  signedIn = false;
  last().open();
  last().drop(4403);
  await tick(20);
  assert.equal(FakeSocket.all.length, 2, "no reconnect once signed out");
  assert.equal(socketState.value, "idle");
});

Deno.test("a link that stops answering pings is dropped and replaced", async () => {
  FakeSocket.all = [];
  const client = new RealtimeClient({
    url: "ws://test/ws",
    createSocket: (url) => new FakeSocket(url),
    delay: () => 1,
    pingIntervalMs: 10,
    pongTimeoutMs: 10,
    handlers: {
      onHello: () => {},
      onEvent: () => {},
      onResync: () => {},
      onUnauthenticated: () => Promise.resolve(true),
    },
  });
  client.start();
  const first = FakeSocket.all[0]!;
  first.open();
  first.receive({ type: "hello", user_id: "u1", cursor: "c0" });
  await tick(60);
  assert.ok(first.sent.some((f) => f.type === "ping"));
  assert.ok(FakeSocket.all.length >= 2, "a new socket replaced the silent one");
  client.stop();
});

Deno.test("an expired token (4403) renews at once and resumes, without the banner", async () => {
  const { client, last } = harness();
  client.start();
  last().open();
  last().receive({ type: "hello", user_id: "u1", cursor: "c0" });
  last().receive({ type: "event", cursor: "c7", event: "message.created", data: {} });
  last().drop(4403);
  assert.equal(showReconnecting.value, false, "a routine renewal shows no banner");
  await tick();
  assert.equal(FakeSocket.all.length, 2);
  assert.equal(socketState.value, "renewing");
  last().open();
  assert.deepEqual(last().sent, [{ type: "auth", resume: "c7" }]);
  last().receive({ type: "hello", user_id: "u1", cursor: "c7" });
  assert.equal(socketState.value, "open");
  client.stop();
});
