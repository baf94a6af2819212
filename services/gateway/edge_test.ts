import assert from "node:assert/strict";
import { ConfigError } from "@colink/config";
import { passwordGrant, startProcess } from "@colink/testing";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";

Deno.test({
  name: "the gateway's edge: security headers, CORS for the web origin only, 429 with Retry-After",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const p = await startProcess([gatewayService, usersService], {
      COLINK_ENV: "development",
      RATE_LIMIT_WRITES_PER_MIN: "2",
      WEB_ORIGINS: "https://chat.example.com",
    });
    try {
      await t.step(
        "every response carries CSP, nosniff, frame-ancestors and no HSTS in dev",
        async () => {
          for (
            const path of [
              "/health",
              "/api/v1/me",
              "/realms/colink/.well-known/openid-configuration",
            ]
          ) {
            const res = await fetch(`${p.base}${path}`);
            await res.body?.cancel();
            const csp = res.headers.get("content-security-policy") ?? "";
            assert.match(csp, /default-src 'self'/, path);
            assert.match(csp, /frame-ancestors 'none'/, path);
            assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
            assert.equal(res.headers.get("x-frame-options"), "DENY", path);
            assert.equal(res.headers.get("strict-transport-security"), null, path);
          }
        },
      );

      await t.step(
        "CORS answers the configured web origin, with credentials, and nobody else",
        async () => {
          const preflight = (origin: string) =>
            fetch(`${p.base}/api/v1/me`, {
              method: "OPTIONS",
              headers: {
                origin,
                "access-control-request-method": "PATCH",
                "access-control-request-headers": "x-csrf-token",
              },
            });
          const ok = await preflight("https://chat.example.com");
          await ok.body?.cancel();
          assert.equal(ok.headers.get("access-control-allow-origin"), "https://chat.example.com");
          assert.equal(ok.headers.get("access-control-allow-credentials"), "true");
          assert.match(ok.headers.get("access-control-allow-headers") ?? "", /X-CSRF-Token/i);
          const evil = await preflight("https://evil.example");
          await evil.body?.cancel();
          assert.equal(evil.headers.get("access-control-allow-origin"), null);

          // A simple request from the web origin is answered with its CORS headers; one without
          // an Origin (an API client) gets none, but still says the answer varies by Origin.
          const fromWeb = await fetch(`${p.base}/health`, {
            headers: { origin: "https://chat.example.com" },
          });
          await fromWeb.body?.cancel();
          assert.equal(
            fromWeb.headers.get("access-control-allow-origin"),
            "https://chat.example.com",
          );
          assert.match(fromWeb.headers.get("access-control-expose-headers") ?? "", /X-Request-Id/i);
          const noOrigin = await fetch(`${p.base}/health`);
          await noOrigin.body?.cancel();
          assert.equal(noOrigin.headers.get("access-control-allow-origin"), null);
          assert.equal(noOrigin.headers.get("access-control-allow-credentials"), null);
          assert.match(noOrigin.headers.get("vary") ?? "", /Origin/);
        },
      );

      await t.step(
        "the third write in a minute is 429 with Retry-After and X-RateLimit-* headers",
        async () => {
          const { body } = await passwordGrant(
            fetch,
            `${p.base}/realms/colink/protocol/openid-connect/token`,
            "bob",
          );
          const patch = () =>
            fetch(`${p.base}/api/v1/me`, {
              method: "PATCH",
              headers: {
                authorization: `Bearer ${body.access_token}`,
                "content-type": "application/json",
              },
              body: JSON.stringify({ display_name: "Bob" }),
            });
          const first = await patch();
          await first.body?.cancel();
          assert.equal(first.status, 200);
          assert.equal(first.headers.get("x-ratelimit-limit"), "2");
          assert.equal(first.headers.get("x-ratelimit-remaining"), "1");
          await (await patch()).body?.cancel();
          const third = await patch();
          assert.equal(third.status, 429);
          const retry = Number(third.headers.get("retry-after"));
          assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
          assert.equal((await third.json()).error.code, "rate_limited");
        },
      );
    } finally {
      await p.close();
    }
  },
});

Deno.test("the gateway refuses to start in production with the dev client secret or a bad session key", async () => {
  const envs: Record<string, string>[] = [
    {
      COLINK_ENV: "production",
      OIDC_ISSUER: "https://sso.example/realms/colink",
      SESSION_ENCRYPTION_KEY: btoa("k".repeat(32)),
    },
    { SESSION_ENCRYPTION_KEY: "not base64!" },
    { SESSION_ENCRYPTION_KEY: btoa("too short") },
  ];
  for (const env of envs) {
    await assert.rejects(startProcess([gatewayService], env), ConfigError, JSON.stringify(env));
  }
});
