import assert from "node:assert/strict";
import { parseConfig } from "@colink/config";
import { silentLogger } from "@colink/http";
import { assemble, RuntimeEnv } from "@colink/runtime";
import { checkedClient, createResponseChecker, passwordGrant } from "@colink/testing";
import { usersService } from "./app.ts";

async function setup() {
  const dataDir = await Deno.makeTempDir();
  const env = parseConfig(RuntimeEnv, {
    DATA_DIR: dataDir,
    COLINK_ENV: "development",
    PUBLIC_URL: "http://localhost:8000",
  });
  const proc = await assemble("users", [usersService], env, { logger: silentLogger });
  const doc = await (await proc.app.request("/openapi.json")).json();
  const call = checkedClient(proc.app, createResponseChecker(doc));
  const token = async (user: string) => {
    const { body } = await passwordGrant(
      (url, init) => proc.app.request(new URL(url).pathname, init),
      "http://localhost:8000/realms/colink/protocol/openid-connect/token",
      user,
    );
    return body.access_token as string;
  };
  /** Puts the users in a new workspace (and optionally a channel) directly, for the directory. */
  const share = async (usernames: string[], o: { role?: string; channel?: boolean } = {}) => {
    const sql = proc.infra.sql!;
    const [ws] = await sql.query<{ id: string }>(
      "insert into workspaces (name, slug) values ('W', $1) returning id",
      [`w-${crypto.randomUUID().slice(0, 8)}`],
    );
    const [ch] = await sql.query<{ id: string }>(
      "insert into channels (workspace_id, name) values ($1, 'c') returning id",
      [ws!.id],
    );
    for (const u of usernames) {
      await sql.query(
        `insert into workspace_members (workspace_id, user_id, role)
         select $1, id, $3 from users where username = $2`,
        [ws!.id, u, o.role ?? "member"],
      );
      if (o.channel) {
        await sql.query(
          "insert into channel_members (channel_id, user_id) select $1, id from users where username = $2",
          [ch!.id, u],
        );
      }
    }
  };
  return {
    call,
    token,
    share,
    as: (tok: string, init: RequestInit = {}) => ({
      ...init,
      headers: {
        authorization: `Bearer ${tok}`,
        "content-type": "application/json",
        ...init.headers,
      },
    }),
    async close() {
      await proc.stop();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

Deno.test({
  name: "users service",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const s = await setup();
    try {
      const carol = await s.token("carol");
      const bob = await s.token("bob");

      await t.step(
        "GET /me provisions the caller on first use from the token's claims",
        async () => {
          const { status, body } = await s.call("/api/v1/me", s.as(carol));
          assert.equal(status, 200);
          assert.deepEqual(
            { ...(body as Record<string, unknown>), id: "" },
            {
              id: "",
              username: "carol",
              display_name: "Carol Danvers",
              email: "carol@colink.dev",
              avatar_url: null,
              status: null,
            },
          );
          const again = await s.call("/api/v1/me", s.as(carol));
          assert.equal(
            (again.body as { id: string }).id,
            (body as { id: string }).id,
            "the same user, not a second one",
          );
        },
      );

      await t.step(
        "PATCH /me changes the profile and the next read sees it (cache invalidated)",
        async () => {
          const { status, body } = await s.call(
            "/api/v1/me",
            s.as(carol, {
              method: "PATCH",
              body: JSON.stringify({
                display_name: "  Captain Carol ",
                avatar_url: "https://img.example/c.png",
              }),
            }),
          );
          assert.equal(status, 200);
          assert.equal((body as { display_name: string }).display_name, "Captain Carol");
          const read = await s.call("/api/v1/me", s.as(carol));
          assert.equal(
            (read.body as { avatar_url: string }).avatar_url,
            "https://img.example/c.png",
          );
        },
      );

      await t.step(
        "PATCH /me rejects bad input with field details and changes nothing",
        async () => {
          for (
            const bad of [
              { display_name: "" },
              { display_name: "nul\u0000byte" },
              { avatar_url: "javascript:alert(1)" },
              { username: "root" },
            ]
          ) {
            const { status, body } = await s.call(
              "/api/v1/me",
              s.as(carol, { method: "PATCH", body: JSON.stringify(bad) }),
            );
            assert.equal(status, 400, JSON.stringify(bad));
            assert.equal((body as { error: { code: string } }).error.code, "invalid_request");
            assert.ok((body as { error: { details: unknown[] } }).error.details.length > 0);
          }
          const read = await s.call("/api/v1/me", s.as(carol));
          assert.equal((read.body as { display_name: string }).display_name, "Captain Carol");
        },
      );

      await t.step("PUT /me/status sets a status; an expired one reads as none", async () => {
        const future = new Date(Date.now() + 3600_000).toISOString();
        const set = await s.call(
          "/api/v1/me/status",
          s.as(carol, {
            method: "PUT",
            body: JSON.stringify({
              status_text: "In a meeting",
              status_emoji: "📅",
              status_expiry: future,
            }),
          }),
        );
        assert.equal(set.status, 200);
        assert.deepEqual((set.body as { status: unknown }).status, {
          status_text: "In a meeting",
          status_emoji: "📅",
          status_expiry: future.replace(/Z$/, "Z"),
        });
        const past = new Date(Date.now() - 1000).toISOString();
        await s.call(
          "/api/v1/me/status",
          s.as(carol, {
            method: "PUT",
            body: JSON.stringify({ status_text: "Lunch", status_expiry: past }),
          }),
        );
        assert.equal(
          ((await s.call("/api/v1/me", s.as(carol))).body as { status: unknown }).status,
          null,
        );
      });

      await t.step(
        "GET /users?q= finds people by username or display name, prefix matches first",
        async () => {
          await s.call("/api/v1/me", s.as(bob));
          await s.share(["bob", "carol"]);
          const { body } = await s.call("/api/v1/users?q=CAP", s.as(bob));
          assert.deepEqual(
            (body as { users: { username: string }[] }).users.map((u) => u.username),
            ["carol"],
          );
          const all = await s.call("/api/v1/users?q=&limit=1", s.as(bob));
          assert.equal((all.body as { users: unknown[] }).users.length, 1);
          const nul = await s.call("/api/v1/users?q=a%00b", s.as(bob));
          assert.equal(nul.status, 400, "a NUL in the query is invalid input, not a 500");
          const wild = await s.call("/api/v1/users?q=%25", s.as(bob));
          assert.deepEqual(
            (wild.body as { users: unknown[] }).users,
            [],
            "% is a literal, not a wildcard",
          );
        },
      );

      await t.step(
        "GET /users/{id} is the profile, 404 for an unknown id, 400 for a non-uuid",
        async () => {
          const me = (await s.call("/api/v1/me", s.as(carol))).body as { id: string };
          assert.equal(
            ((await s.call(`/api/v1/users/${me.id}`, s.as(bob))).body as { username: string })
              .username,
            "carol",
          );
          assert.equal(
            (await s.call(`/api/v1/users/${crypto.randomUUID()}`, s.as(bob))).status,
            404,
          );
          assert.equal((await s.call(`/api/v1/users/nope`, s.as(bob))).status, 400);
        },
      );

      await t.step(
        "the directory shows only people who share a workspace; a guest only those sharing a conversation",
        async () => {
          const [alice, mia] = [await s.token("alice"), await s.token("mia")];
          const ids: Record<string, string> = {};
          for (const [name, tok] of [["alice", alice], ["mia", mia], ["bob", bob]] as const) {
            ids[name] = ((await s.call("/api/v1/me", s.as(tok!))).body as { id: string }).id;
          }
          const names = async (tok: string) => {
            const { status, body } = await s.call("/api/v1/users?q=&limit=50", s.as(tok));
            assert.equal(status, 200, JSON.stringify(body));
            return (body as { users: { username: string }[] }).users.map((u) => u.username).sort();
          };
          assert.deepEqual(await names(alice), ["alice"], "alice shares no workspace yet");
          assert.equal((await s.call(`/api/v1/users/${ids.bob}`, s.as(alice))).status, 404);
          await s.share(["alice", "bob"]);
          assert.deepEqual(await names(alice), ["alice", "bob"]);
          assert.equal((await s.call(`/api/v1/users/${ids.bob}`, s.as(alice))).status, 200);
          await s.share(["mia"], { role: "guest" });
          await s.share(["alice"]);
          assert.deepEqual(
            await names(mia),
            ["mia"],
            "a guest sees nobody before sharing a channel",
          );
          await s.share(["mia", "alice"], { role: "guest", channel: true });
          assert.deepEqual(await names(mia), ["alice", "mia"]);
          assert.equal((await s.call(`/api/v1/users/${ids.bob}`, s.as(mia))).status, 404);
        },
      );

      await t.step("every users route answers 401 without a token", async () => {
        for (
          const [method, path] of [["GET", "/api/v1/me"], ["PATCH", "/api/v1/me"], [
            "PUT",
            "/api/v1/me/status",
          ], ["GET", "/api/v1/users"]]
        ) {
          assert.equal(
            (await s.call(path!, { method, body: method === "GET" ? undefined : "{}" })).status,
            401,
          );
        }
      });
    } finally {
      await s.close();
    }
  },
});
