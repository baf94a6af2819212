import assert from "node:assert/strict";
import { parseEvent } from "@colink/contracts";
import {
  dedicatedKafka,
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
    "Kafka down: sends still succeed and reach open sockets at once; Kafka gets every event once it is back (the outbox)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const kafka = await dedicatedKafka();
    await kafka.start();
    const { env, tokenUrl, drop } = await distributedTestEnv("kafkaout", {
      ...GENEROUS_LIMITS,
      KAFKA_BROKERS: kafka.brokers,
    });
    const services = [
      gatewayService,
      usersService,
      channelsService,
      messagingService,
      realtimeService,
    ];
    const proc = await startProcess(services, env, services);
    const ws = new WebSocket(`${proc.wsBase}/ws`);
    const opened = new Promise((r) => (ws.onopen = r));
    try {
      const token = (await passwordGrant(fetch, tokenUrl, "alice")).body.access_token as string;
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${proc.base}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: body ? JSON.stringify(body) : undefined,
        });
        return { status: res.status, body: await res.json() };
      };
      await call("GET", "/api/v1/me");
      const w = await call("POST", "/api/v1/workspaces", {
        name: "K",
        slug: `k-${crypto.randomUUID().slice(0, 8)}`,
      });
      const cid =
        (await call("GET", `/api/v1/workspaces/${w.body.id}/channels`)).body.channels[0].id;
      const frames: { type: string; event?: string; data?: { id?: string } }[] = [];
      ws.onmessage = (e) => frames.push(JSON.parse(e.data));
      await opened;
      ws.send(JSON.stringify({ type: "auth", token }));
      await eventually(() => assert.ok(frames.some((f) => f.type === "hello")));

      await kafka.kill();
      const sent: string[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const r = await call("POST", `/api/v1/channels/${cid}/messages`, {
          content: `while down ${i}`,
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.ok(performance.now() - started < 2_000, "a send does not wait for Kafka");
        sent.push(r.body.id);
      }
      await eventually(() => {
        const got = frames.filter((f) => f.event === "message.created").map((f) => f.data!.id);
        assert.deepEqual(got, sent, "delivered to the socket while Kafka is down");
      });
      const waiting = await proc.proc.infra.sql!.query<{ n: number }>(
        `select count(*)::int as n from outbox where topic = 'message.created'
            and payload->'data'->>'message_id' = any($1::text[]) and published_at is null`,
        [sent],
      );
      assert.equal(waiting[0]!.n, 5, "kept in the outbox until Kafka is back");

      await kafka.start();
      await eventually(async () => {
        const rows = await proc.proc.infra.sql!.query<{ n: number }>(
          `select count(*)::int as n from outbox where topic = 'message.created'
              and payload->'data'->>'message_id' = any($1::text[]) and published_at is not null`,
          [sent],
        );
        assert.equal(rows[0]!.n, 5);
      }, { timeoutMs: 60_000 });
      const seen = new Set<string>();
      const sub = await proc.proc.infra.bus!.subscribe(
        {
          group: `kafka-outage-${crypto.randomUUID()}`,
          topics: ["message.created"],
          fromBeginning: true,
        },
        (m) => {
          const ev = parseEvent(JSON.parse(m.value));
          seen.add((ev.data as { message_id: string }).message_id);
          return Promise.resolve();
        },
      );
      try {
        await eventually(() => assert.ok(sent.every((id) => seen.has(id)), "on the topic"), {
          timeoutMs: 30_000,
        });
      } finally {
        await sub.close();
      }
    } finally {
      ws.close();
      await proc.close();
      await drop();
      await kafka.dispose();
    }
  },
});
