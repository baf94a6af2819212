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
  return {
    call,
    token,
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
