import assert from "node:assert/strict";
import { DEV_USERS } from "@colink/db";
import { firstReply, forgedTokensForIssuer, startProcess } from "@colink/testing";
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
