import assert from "node:assert/strict";
import { Hono } from "hono";
import {
  createMemoryDocumentStore,
  createMemoryKeyValue,
  createPgliteSql,
  migrate,
} from "@colink/platform";
import { colinkMigrations, DEV_USERS } from "@colink/db";
import { createServiceApp, silentLogger } from "@colink/http";
import { forgedTokensForIssuer } from "@colink/testing";
import { createEmbeddedIssuer, devClients } from "./issuer/mod.ts";
import { createPrincipalResolver } from "./principal.ts";
import { requireAuth } from "./middleware.ts";
import { createTokenVerifier } from "./verifier.ts";

const ISSUER = "http://localhost:8000/realms/colink";

Deno.test({
  name: "REST: every forged token in the table gets 401; the genuine ones get through",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const kv = createMemoryKeyValue();
    const issuer = createEmbeddedIssuer({
      issuerUrl: ISSUER,
      env: "test",
      docs: await createMemoryDocumentStore(),
      kv,
      clients: devClients("http://localhost:8000"),
    });
    const sql = await createPgliteSql();
    await migrate(sql, await colinkMigrations());
    const app = createServiceApp({ name: "t", logger: silentLogger });
    const protectedRoutes = new Hono();
    protectedRoutes.use(
      "*",
      requireAuth({
        verifier: createTokenVerifier({
          issuer: ISSUER,
          audience: "colink-api",
          keys: issuer.keys.verificationKeys(),
        }),
        principals: createPrincipalResolver(sql, kv),
      }),
    );
    protectedRoutes.get("/api/v1/whoami", (c) => c.json(c.get("principal")));
    app.route("/", protectedRoutes);

    const table = await forgedTokensForIssuer(issuer.keys, ISSUER, DEV_USERS[0]!);
    for (const tc of table) {
      await t.step(`${tc.accepted ? "accepts" : "rejects"}: ${tc.name}`, async () => {
        const res = await app.request("/api/v1/whoami", {
          headers: { authorization: `Bearer ${tc.token}` },
        });
        const body = await res.json();
        if (tc.accepted) {
          assert.equal(res.status, 200, JSON.stringify(body));
          assert.equal(body.username, "alice");
          assert.deepEqual(body.realmRoles, ["member"]);
        } else {
          assert.equal(res.status, 401, JSON.stringify(body));
          assert.equal(body.error.code, "unauthorized");
          assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
        }
      });
    }
    await t.step("rejects: no Authorization header, and a non-Bearer scheme", async () => {
      for (
        const headers of [{}, { authorization: `Basic ${btoa("alice:colink-dev")}` }] as Record<
          string,
          string
        >[]
      ) {
        const res = await app.request("/api/v1/whoami", { headers });
        await res.body?.cancel();
        assert.equal(res.status, 401);
      }
    });
    await sql.close();
  },
});

Deno.test("createTokenVerifier() refuses to be configured with a symmetric algorithm", () => {
  assert.throws(
    () => createTokenVerifier({ issuer: ISSUER, audience: "a", algorithms: ["RS256", "HS256"] }),
    /HS256/,
  );
});
