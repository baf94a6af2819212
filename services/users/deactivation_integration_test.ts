import assert from "node:assert/strict";
import { gatewayService } from "@colink/svc-gateway";
import {
  createBrowser,
  distributedTestEnv,
  eventually,
  passwordGrant,
  signInWithForms,
  startProcess,
} from "@colink/testing";
import { deactivateUser } from "./actions/deactivate.ts";
import { usersService } from "./app.ts";

Deno.test({
  name:
    "deactivation on one instance refuses the user's next request on another within moments (PostgreSQL, Redis, Keycloak)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const d = await distributedTestEnv("deact");
    const a = await startProcess([usersService], d.env);
    const b = await startProcess([usersService], d.env);
    try {
      const { body } = await passwordGrant(fetch, d.tokenUrl, "carol");
      const me = () =>
        fetch(`${b.base}/api/v1/me`, {
          headers: { authorization: `Bearer ${body.access_token}` },
        });
      const ok = await me();
      assert.equal(ok.status, 200);
      const { id } = await ok.json();
      // b now holds carol's principal in its cache (5 minutes while pub/sub is up).
      assert.equal((await me()).status, 200);

      await deactivateUser({ sql: a.proc.infra.sql!, principals: a.proc.principals }, id);
      const started = Date.now();
      const refused = await eventually(async () => {
        const res = await me();
        const body = await res.json();
        assert.equal(res.status, 403, JSON.stringify(body));
        return body;
      }, { timeoutMs: 3_000 });
      assert.equal(refused.error.code, "account_deactivated");
      console.log(`refused on the other instance after ${Date.now() - started} ms`);
    } finally {
      await a.close();
      await b.close();
      await d.drop();
    }
  },
});

Deno.test({
  name: "deactivation ends the user's browser session at its next /auth/session (embedded)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const p = await startProcess([gatewayService, usersService], { COLINK_ENV: "development" });
    try {
      const browser = createBrowser();
      const start = await browser.follow(`${p.base}/auth/login`);
      const callback = await signInWithForms(
        browser,
        start,
        { username: "carol", password: "colink-dev" },
        (u) => u.pathname === "/auth/callback",
      );
      await (await browser.fetch(callback.toString())).body?.cancel();
      const session = await browser.fetch(`${p.base}/auth/session`);
      assert.equal(session.status, 200);
      const { user } = await session.json();

      await deactivateUser({ sql: p.proc.infra.sql!, principals: p.proc.principals }, user.id);
      const refused = await browser.fetch(`${p.base}/auth/session`);
      assert.equal(refused.status, 403);
      assert.equal((await refused.json()).error.code, "account_deactivated");
      const ended = await browser.fetch(`${p.base}/auth/session`);
      await ended.body?.cancel();
      assert.equal(ended.status, 401, "the session is gone");
    } finally {
      await p.close();
    }
  },
});
