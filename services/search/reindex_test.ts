import assert from "node:assert/strict";
import { eventually, passwordGrant, startProcess } from "@colink/testing";
import { SERVICES } from "../gateway/registry.ts";
import { GENEROUS_LIMITS } from "../gateway/testdata/chat_client.ts";
import { reindex, type ReindexProgress } from "./actions/reindex.ts";
import { postgresIndex } from "./index/postgres_index.ts";

Deno.test({
  name:
    "reindex() rebuilds a lost index from the tables, reports progress, and never undoes a newer edit",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const p = await startProcess(SERVICES, { COLINK_ENV: "development", ...GENEROUS_LIMITS });
    try {
      const sql = p.proc.infra.sql!;
      const token = (await passwordGrant(
        fetch,
        `${p.base}/realms/colink/protocol/openid-connect/token`,
        "alice",
      ))
        .body.access_token as string;
      const call = async (method: string, path: string, body?: unknown) => {
        const r = await fetch(`${p.base}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: body ? JSON.stringify(body) : undefined,
        });
        const text = await r.text();
        return text ? JSON.parse(text) : undefined;
      };
      const ws = await call("POST", "/api/v1/workspaces", { name: "R", slug: "reindex" });
      const general = (await call("POST", `/api/v1/workspaces/${ws.id}/channels`, {
        name: "history",
        is_private: false,
      })).id;
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) {
        ids.push(
          (await call("POST", `/api/v1/channels/${general}/messages`, {
            content: `reindexme ${i}`,
          })).id,
        );
      }
      await call("DELETE", `/api/v1/messages/${ids[0]}`);
      const count = async () =>
        (await sql.query<{ n: number }>(
          "select count(*)::int as n from search_messages where content like 'reindexme%' and not deleted",
        ))[0]!.n;
      await eventually(async () => assert.equal(await count(), 29));
      await sql.exec("delete from search_messages");
      const progress: ReindexProgress[] = [];
      const n = await reindex(sql, postgresIndex(sql), (e) => progress.push(e), 7);
      assert.equal(await count(), 29, "everything back but the deleted one");
      assert.ok(n.messages >= 30);
      const steps = progress.filter((e) => e.kind === "messages");
      assert.ok(steps.length >= 5, "progress per batch");
      assert.equal(steps.at(-1)!.done, steps.at(-1)!.total);
      // An edit indexed at a higher position survives a reindex that read the table before it.
      await sql.query(
        "update search_messages set content = 'newer text', version = version + 1000 where message_id = $1",
        [ids[1]],
      );
      await reindex(sql, postgresIndex(sql));
      const [row] = await sql.query<{ content: string }>(
        "select content from search_messages where message_id = $1",
        [ids[1]],
      );
      assert.equal(row!.content, "newer text");
    } finally {
      await p.close();
    }
  },
});
