import assert from "node:assert/strict";
import * as OTPAuth from "otpauth";
import { DEV_TOTP_SECRET } from "@colink/db";
import {
  createBrowser,
  passwordGrant,
  type RunningProcess,
  signInWithForms,
  sleep,
} from "@colink/testing";

export interface IdentityTarget {
  /** The CoLink process under test (gateway + users service at least). */
  proc: RunningProcess;
  /** The issuer's token endpoint (Keycloak's or the embedded one). */
  tokenUrl: string;
  close(): Promise<void>;
}

const totp = new OTPAuth.TOTP({
  algorithm: "SHA1",
  digits: 6,
  period: 30,
  secret: OTPAuth.Secret.fromBase32(DEV_TOTP_SECRET),
});
/** Keycloak refuses a code twice; each sign-in of dave uses its own 30 s window's code. */
const totpAt = (offsetPeriods: number) =>
  totp.generate({ timestamp: Date.now() + offsetPeriods * 30_000 });

/**
 * The identity behaviours the gateway promises, run against one identity provider: the same
 * suite runs against Keycloak (integration) and against the embedded issuer (`deno task dev`).
 */
export function identitySuite(provider: string, makeTarget: () => Promise<IdentityTarget>): void {
  Deno.test({
    name: `identity [${provider}]`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const target = await makeTarget();
      const base = target.proc.base;
      const api = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, init);
      try {
        await t.step(
          "a password-grant token for a test user is accepted by the gateway",
          async () => {
            const { status, body } = await passwordGrant(fetch, target.tokenUrl, "alice");
            assert.equal(status, 200, JSON.stringify(body));
            const res = await api("/api/v1/me", {
              headers: { authorization: `Bearer ${body.access_token}` },
            });
            assert.equal(res.status, 200);
            assert.equal((await res.json()).username, "alice");
          },
        );

        await t.step(
          "a user with TOTP needs the code: none and a wrong one fail, the right one works",
          async () => {
            const none = await passwordGrant(fetch, target.tokenUrl, "dave");
            assert.equal(none.body.error, "invalid_grant");
            await sleep(1_100); // Keycloak locks a user out after two failures within a second
            const wrong = await passwordGrant(fetch, target.tokenUrl, "dave", {
              totp: totpAt(0) === "000000" ? "111111" : "000000",
            });
            assert.equal(wrong.body.error, "invalid_grant");
            await sleep(1_100);
            const right = await passwordGrant(fetch, target.tokenUrl, "dave", { totp: totpAt(0) });
            assert.equal(right.status, 200, JSON.stringify(right.body));
            const me = await api("/api/v1/me", {
              headers: { authorization: `Bearer ${right.body.access_token}` },
            });
            assert.equal((await me.json()).username, "dave");
          },
        );

        const browser = createBrowser();
        const atCallback = (u: URL) => u.origin === base && u.pathname === "/auth/callback";
        let csrf = "";

        await t.step(
          "browser sign-in: /auth/login → IdP login page (PKCE) → /auth/callback → session cookie",
          async () => {
            const start = await browser.follow(`${base}/auth/login?return_to=/channels/general`);
            const authUrl = new URL(start.url);
            assert.equal(authUrl.searchParams.get("code_challenge_method"), "S256");
            assert.ok(authUrl.searchParams.get("code_challenge"));
            assert.equal(authUrl.searchParams.get("client_id"), "colink-web");
            const callback = await signInWithForms(browser, start, {
              username: "dave",
              password: "colink-dev",
              otp: () => totpAt(1),
            }, atCallback);
            const landed = await browser.fetch(callback.toString());
            await landed.body?.cancel();
            assert.equal(landed.status, 302);
            assert.equal(landed.headers.get("location"), "/channels/general");
            const cookie = landed.headers.getSetCookie().find((c) =>
              c.startsWith("colink_session=")
            );
            assert.ok(cookie, "session cookie set");
            assert.match(cookie, /HttpOnly/i);
            assert.match(cookie, /SameSite=Lax/i);
          },
        );

        await t.step(
          "GET /auth/session returns the user and a CSRF token; the cookie alone authenticates reads",
          async () => {
            const res = await browser.fetch(`${base}/auth/session`);
            assert.equal(res.status, 200);
            const body = await res.json();
            assert.equal(body.user.username, "dave");
            csrf = body.csrf_token;
            assert.ok(csrf.length >= 24);
            const me = await browser.fetch(`${base}/api/v1/me`);
            assert.equal((await me.json()).username, "dave");
          },
        );

        await t.step(
          "a cookie-authenticated write needs X-CSRF-Token; a wrong one is refused too",
          async () => {
            const patch = (headers: Record<string, string>) =>
              browser.fetch(`${base}/api/v1/me`, {
                method: "PATCH",
                headers: { "content-type": "application/json", ...headers },
                body: JSON.stringify({ display_name: "Dave (2FA)" }),
              });
            for (const headers of [{}, { "x-csrf-token": "forged" }] as Record<string, string>[]) {
              const res = await patch(headers);
              assert.equal(res.status, 403);
              assert.equal((await res.json()).error.code, "csrf_failed");
            }
            const ok = await patch({ "x-csrf-token": csrf });
            assert.equal(ok.status, 200);
            assert.equal((await ok.json()).display_name, "Dave (2FA)");
          },
        );

        await t.step("a login callback with a state from another browser is refused", async () => {
          const other = createBrowser();
          const res = await other.fetch(`${base}/auth/callback?code=stolen&state=not-yours`);
          assert.equal(res.status, 400);
          assert.equal((await res.json()).error.code, "invalid_login_state");
        });

        await t.step(
          "logout needs the CSRF token and ends the session here and at the IdP",
          async () => {
            const refused = await browser.fetch(`${base}/auth/logout`, { method: "POST" });
            assert.equal(refused.status, 403);
            await refused.body?.cancel();
            const out = await browser.fetch(`${base}/auth/logout`, {
              method: "POST",
              headers: { "x-csrf-token": csrf },
            });
            assert.equal(out.status, 204);
            const after = await browser.fetch(`${base}/api/v1/me`);
            assert.equal(after.status, 401);
            await after.body?.cancel();
            const session = await browser.fetch(`${base}/auth/session`);
            assert.equal(session.status, 401);
            await session.body?.cancel();
            // The IdP's own session ended too: signing in again shows its login form instead of
            // silently completing with the old single-sign-on cookie.
            const again = await browser.follow(`${base}/auth/login`, { stop: atCallback });
            assert.ok(!atCallback(again.url), "the IdP asked for credentials again");
            assert.match(await again.res.text(), /name="username"/);
          },
        );
      } finally {
        await target.close();
      }
    },
  });
}
