import assert from "node:assert/strict";
import { createBrowser, signInWithForms, sleep, startProcess } from "@colink/testing";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";

Deno.test({
  name:
    "a browser session outlives its access token: the gateway refreshes silently, once, and only while the IdP agrees",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // 31 s tokens: inside the 30 s refresh margin a second after they are issued.
    const p = await startProcess([gatewayService, usersService], {
      COLINK_ENV: "development",
      EMBEDDED_ISSUER_ACCESS_TTL_SEC: "31",
    });
    try {
      const browser = createBrowser();
      const atCallback = (u: URL) => u.pathname === "/auth/callback";
      const start = await browser.follow(`${p.base}/auth/login`);
      const callback = await signInWithForms(browser, start, {
        username: "carol",
        password: "colink-dev",
      }, atCallback);
      await (await browser.fetch(callback.toString())).body?.cancel();
      const sql = p.proc.infra.sql!;
      const hashes = async () =>
        (await sql.query<{ h: string }>("select refresh_token_hash as h from sessions")).map((r) =>
          r.h
        );
      const before = await hashes();
      assert.equal(before.length, 1);

      await sleep(1_200);
      const results = await Promise.all(
        Array.from({ length: 5 }, () => browser.fetch(`${p.base}/api/v1/me`)),
      );
      for (const res of results) {
        assert.equal(res.status, 200);
        await res.body?.cancel();
      }
      const after = await hashes();
      assert.notDeepEqual(after, before, "the refresh token was rotated");

      // The IdP ends the session behind our back (admin logout, password change...): the next
      // refresh fails and the session is gone instead of living on with a stale token.
      const sid = browser.cookie(`${p.base}/realms/colink/`, "COLINK_IDP_SESSION")!;
      await p.proc.infra.kv!.del(`idp:sso:${sid}`);
      await sleep(1_200);
      const res = await browser.fetch(`${p.base}/api/v1/me`);
      await res.body?.cancel();
      assert.equal(res.status, 401);
      const [row] = await sql.query<{ revoked: boolean }>(
        "select revoked_at is not null as revoked from sessions",
      );
      assert.equal(row!.revoked, true);
    } finally {
      await p.close();
    }
  },
});
