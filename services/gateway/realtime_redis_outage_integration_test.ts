import assert from "node:assert/strict";
import {
  dedicatedRedis,
  distributedTestEnv,
  eventually,
  passwordGrant,
  startProcess,
} from "@colink/testing";
import { channelsService } from "@colink/svc-channels";
import { messagingService } from "@colink/svc-messaging";
import { realtimeService } from "@colink/svc-realtime";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";
import { GENEROUS_LIMITS } from "./testdata/chat_client.ts";

Deno.test({
  name:
    "Redis down: messages keep reaching open sockets and new ones resume (the stream is polled without its doorbell); /ready says Redis is down",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = dedicatedRedis();
    await redis.start();
    const d = await distributedTestEnv("rtredis", {
      ...GENEROUS_LIMITS,
      REDIS_URL: redis.url,
      REDIS_COMMAND_TIMEOUT_MS: "300",
    });
    const api = [gatewayService, usersService, channelsService, messagingService];
    const apiProc = await startProcess(api, d.env, api);
    const rt = await startProcess([realtimeService], d.env);
    const sockets: WebSocket[] = [];
    try {
      const token = async (u: string) =>
        (await passwordGrant(fetch, d.tokenUrl, u)).body.access_token as string;
      const [alice, bob] = [await token("alice"), await token("bob")];
      const call = async (tok: string, method: string, path: string, body?: unknown) => {
        const res = await fetch(`${apiProc.base}${path}`, {
          method,
          headers: { authorization: `Bearer ${tok}`, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: await res.json().catch(() => undefined) };
      };
      const bobId = (await call(bob, "GET", "/api/v1/me")).body.id;
      const ws = await call(alice, "POST", "/api/v1/workspaces", {
        name: "R",
        slug: `r-${crypto.randomUUID().slice(0, 8)}`,
      });
      await call(alice, "POST", `/api/v1/workspaces/${ws.body.id}/members`, { user_id: bobId });
      const general = (await call(alice, "GET", `/api/v1/workspaces/${ws.body.id}/channels`)).body
        .channels[0].id;
      const connect = async (resume?: string) => {
        const s = new WebSocket(`${rt.wsBase}/ws`);
        sockets.push(s);
        const frames: { type: string; cursor?: string; data?: { content?: string } }[] = [];
        s.onmessage = (e) => frames.push(JSON.parse(e.data));
        await new Promise((r) => (s.onopen = r));
        s.send(JSON.stringify({ type: "auth", token: bob, ...(resume ? { resume } : {}) }));
        await eventually(() => assert.ok(frames.some((f) => f.type === "hello")));
        return frames;
      };
      const got = (frames: { data?: { content?: string } }[], text: string) =>
        frames.some((f) => f.data?.content === text);
      const send = async (text: string) =>
        assert.equal(
          (await call(alice, "POST", `/api/v1/channels/${general}/messages`, { content: text }))
            .status,
          201,
        );

      const open = await connect();
      await send("with redis");
      await eventually(() => assert.ok(got(open, "with redis")));

      await redis.kill();
      await send("without redis");
      await eventually(() =>
        assert.ok(got(open, "without redis"), "the open socket still gets it")
      );
      const cursor = open.filter((f) => f.cursor).at(-1)!.cursor!;
      sockets[0]!.close();
      await send("while away, without redis");
      const resumed = await connect(cursor);
      await eventually(() => assert.ok(got(resumed, "while away, without redis")));
      const ready = await fetch(`${rt.base}/ready`);
      const body = await ready.text();
      assert.equal(ready.status, 503);
      assert.match(body, /redis|kv|pubsub/i, "says which dependency is down");

      await redis.start();
      await send("redis is back");
      await eventually(() => assert.ok(got(resumed, "redis is back")));
      await eventually(async () => {
        const r = await fetch(`${rt.base}/ready`);
        await r.body?.cancel();
        assert.equal(r.status, 200);
      }, { timeoutMs: 20_000 });
    } finally {
      for (const s of sockets) s.close();
      await rt.close();
      await apiProc.close();
      await redis.kill();
      await d.drop();
    }
  },
});
