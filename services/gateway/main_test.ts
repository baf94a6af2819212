import assert from "node:assert/strict";
import { DEV_CHANNEL, DEV_USERS } from "@colink/db";
import { createPgliteSql } from "@colink/platform";
import { eventually, freePort } from "@colink/testing";

const root = new URL("../../", import.meta.url).pathname;

/** Starts `deno task dev`'s entry point the way the task does, on a private port and data dir. */
async function startDev(dataDir: string) {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-read",
      "--allow-write",
      "--allow-sys",
      "services/gateway/main.ts",
    ],
    cwd: root,
    env: { PORT: String(port), DATA_DIR: dataDir, HOST: "127.0.0.1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const base = `http://127.0.0.1:${port}`;
  await eventually(async () => {
    const res = await fetch(`${base}/health`);
    await res.body?.cancel();
    assert.equal(res.status, 200);
  }, { timeoutMs: 60_000, intervalMs: 50 });
  return {
    base,
    async stop() {
      child.kill("SIGINT");
      const [status, out] = await Promise.all([child.status, new Response(child.stdout).text()]);
      await child.stderr.cancel();
      return { status, out };
    },
  };
}

Deno.test({
  name:
    "the dev process serves health, readiness, metrics and JSON 404s, stops on Ctrl-C and keeps its data",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dataDir = await Deno.makeTempDir();
    try {
      const dev = await startDev(dataDir);
      const ready = await fetch(`${dev.base}/ready`);
      assert.equal(ready.status, 200);
      assert.deepEqual(
        Object.keys((await ready.json()).checks).sort(),
        ["blobs", "bus", "docs", "kv", "pubsub", "scanner", "sql"],
      );
      const metrics = await fetch(`${dev.base}/metrics`);
      assert.match(metrics.headers.get("content-type") ?? "", /^text\/plain/);
      assert.match(await metrics.text(), /http_requests_total\{[^}]*route="\/ready"/);
      const missing = await fetch(`${dev.base}/api/v1/no-such-thing`);
      assert.equal(missing.status, 404);
      assert.equal((await missing.json()).error.code, "route_not_found");
      const page = await fetch(`${dev.base}/`);
      assert.match(await page.text(), /<title>CoLink<\/title>/);

      const first = await dev.stop();
      assert.equal(first.status.code, 0, "Ctrl-C is a clean exit");
      assert.match(first.out, /"msg":"migrations applied"/);

      const db = await createPgliteSql({ dataDir: `${dataDir}/pglite` });
      const [seeded] = await db.query<{ n: number }>("select count(*)::int as n from users");
      const [general] = await db.query<{ n: number }>(
        "select count(*)::int as n from messages where channel_id = $1",
        [DEV_CHANNEL.id],
      );
      await db.query("update users set display_name = 'Alice (edited)' where username = 'alice'");
      await db.close();
      assert.equal(seeded!.n, DEV_USERS.length, "every dev user is seeded");
      assert.equal(general!.n, 4, "general holds the seeded conversation");

      const again = await startDev(dataDir);
      const second = await again.stop();
      assert.equal(second.status.code, 0);
      assert.doesNotMatch(second.out, /migrations applied/, "a restart migrates nothing");

      const reopened = await createPgliteSql({ dataDir: `${dataDir}/pglite` });
      const users = await reopened.query<{ username: string; display_name: string }>(
        "select username, display_name from users order by username",
      );
      await reopened.close();
      assert.deepEqual(users.map((u) => u.username), DEV_USERS.map((u) => u.username).sort());
      assert.equal(users.find((u) => u.username === "alice")!.display_name, "Alice (edited)");
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
