import assert from "node:assert/strict";
import * as OTPAuth from "otpauth";
import { createMemoryDocumentStore, createMemoryKeyValue, sha256Base64url } from "@colink/platform";
import { freePort, passwordGrant } from "@colink/testing";
import { createTokenVerifier, InvalidTokenError, remoteKeys } from "../verifier.ts";
import { createKeyRing } from "./keys.ts";
import { createEmbeddedIssuer, devClients, seedDevIdentities } from "./mod.ts";

const pkceChallenge = sha256Base64url;

async function serveIssuer() {
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const issuerUrl = `${base}/realms/colink`;
  const issuer = createEmbeddedIssuer({
    issuerUrl,
    env: "development",
    docs: await createMemoryDocumentStore(),
    kv: createMemoryKeyValue(),
    clients: devClients(base),
  });
  await seedDevIdentities(issuer);
  const hits = { certs: 0 };
  const server = Deno.serve({ port, hostname: "127.0.0.1", onListen() {} }, (req) => {
    if (new URL(req.url).pathname.endsWith("/certs")) hits.certs++;
    return issuer.app.fetch(req);
  });
  return {
    hits,
    issuer,
    issuerUrl,
    tokenUrl: `${issuerUrl}/protocol/openid-connect/token`,
    token: async (user: string, extra: Record<string, string> = {}) => {
      const { status, body } = await passwordGrant(
        fetch,
        `${issuerUrl}/protocol/openid-connect/token`,
        user,
        extra,
      );
      return { status, body };
    },
    close: () => server.shutdown(),
  };
}

Deno.test("the embedded issuer refuses to exist in production", async () => {
  assert.throws(
    () =>
      createEmbeddedIssuer({
        issuerUrl: "https://colink.example/realms/colink",
        env: "production",
        docs: {} as never,
        kv: createMemoryKeyValue(),
        clients: [],
      }),
    /development only/,
  );
  await Promise.resolve();
});

Deno.test({
  name: "embedded issuer",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const s = await serveIssuer();
    try {
      await t.step("discovery uses Keycloak's path layout", async () => {
        const d = await (await fetch(`${s.issuerUrl}/.well-known/openid-configuration`)).json();
        assert.equal(d.issuer, s.issuerUrl);
        for (const ep of ["auth", "token", "certs", "userinfo", "logout"]) {
          assert.ok(Object.values(d).includes(`${s.issuerUrl}/protocol/openid-connect/${ep}`), ep);
        }
        assert.deepEqual(d.code_challenge_methods_supported, ["S256"]);
      });

      await t.step(
        "tokens have Keycloak's claims: typ, azp, realm roles, audience colink-api",
        async () => {
          const { body } = await s.token("admin");
          const claims = JSON.parse(
            atob(
              (body.access_token as string).split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"),
            ),
          );
          assert.equal(claims.typ, "Bearer");
          assert.equal(claims.azp, "colink-cli");
          assert.deepEqual(claims.aud, ["colink-api", "account"]);
          assert.ok(claims.realm_access.roles.includes("admin"));
          assert.equal(claims.preferred_username, "admin");
          assert.equal(body.token_type, "Bearer");
          assert.ok(body.id_token && body.refresh_token);
        },
      );

      await t.step(
        "key rotation: old tokens verify through the grace period, new ones by a refetched JWKS",
        async () => {
          const verifier = createTokenVerifier({
            issuer: s.issuerUrl,
            audience: "colink-api",
            keys: remoteKeys(s.issuerUrl, undefined, { cooldownMs: 0 }),
          });
          const before = (await s.token("alice")).body.access_token as string;
          await verifier.verify(before);
          const newKid = await s.issuer.keys.rotate(60_000);
          const after = (await s.token("alice")).body.access_token as string;
          assert.equal(JSON.parse(atob(after.split(".")[0]!)).kid, newKid);
          await verifier.verify(after); // unknown kid → the verifier refetches the JWKS
          await verifier.verify(before);
          assert.equal((await s.issuer.keys.jwks()).keys.length, 2);
          // Rotating again with no grace (a compromised key) drops the second key at once; the
          // first is still within its 60 s grace period.
          await s.issuer.keys.rotate(0);
          const kids = (await s.issuer.keys.jwks()).keys.map((k) => k.kid);
          assert.equal(kids.length, 2);
          assert.ok(!kids.includes(newKid));
          const fresh = createTokenVerifier({
            issuer: s.issuerUrl,
            audience: "colink-api",
            keys: remoteKeys(s.issuerUrl),
          });
          await assert.rejects(fresh.verify(after), InvalidTokenError);
          await fresh.verify(before);
        },
      );

      await t.step(
        "tokens naming unknown kids cannot make the verifier hammer the issuer's JWKS",
        async () => {
          const verifier = createTokenVerifier({
            issuer: s.issuerUrl,
            audience: "colink-api",
            keys: remoteKeys(s.issuerUrl),
          });
          await verifier.verify((await s.token("alice")).body.access_token as string);
          const genuine = (await s.token("alice")).body.access_token as string;
          const [, payload, sig] = genuine.split(".");
          const before = s.hits.certs;
          for (let i = 0; i < 50; i++) {
            const header = btoa(
              JSON.stringify({ alg: "RS256", kid: crypto.randomUUID(), typ: "JWT" }),
            ).replace(/=+$/, "");
            await assert.rejects(verifier.verify(`${header}.${payload}.${sig}`), InvalidTokenError);
          }
          assert.ok(
            s.hits.certs - before <= 1,
            `${s.hits.certs - before} JWKS fetches for 50 unknown kids`,
          );
        },
      );

      await t.step("userinfo answers for a valid token and 401 otherwise", async () => {
        const { body } = await s.token("bob");
        const ok = await fetch(`${s.issuerUrl}/protocol/openid-connect/userinfo`, {
          headers: { authorization: `Bearer ${body.access_token}` },
        });
        assert.deepEqual(
          { ...(await ok.json()), sub: "" },
          {
            sub: "",
            preferred_username: "bob",
            email: "bob@colink.dev",
            email_verified: true,
            name: "Bob Builder",
            given_name: "Bob",
            family_name: "Builder",
          },
        );
        const bad = await fetch(`${s.issuerUrl}/protocol/openid-connect/userinfo`, {
          headers: { authorization: "Bearer x.y.z" },
        });
        assert.equal(bad.status, 401);
        await bad.body?.cancel();
      });

      await t.step("a refresh token works once: the rotated one is refused", async () => {
        const { body } = await s.token("carol");
        const refresh = (rt: string) =>
          fetch(s.tokenUrl, {
            method: "POST",
            body: new URLSearchParams({
              grant_type: "refresh_token",
              client_id: "colink-cli",
              refresh_token: rt,
            }),
          });
        const first = await refresh(body.refresh_token as string);
        assert.equal(first.status, 200);
        assert.ok((await first.json()).access_token);
        const replay = await refresh(body.refresh_token as string);
        assert.equal(replay.status, 400);
        assert.equal((await replay.json()).error, "invalid_grant");
      });

      await t.step(
        "a refresh token redeemed four times at once yields exactly one token set",
        async () => {
          const { body } = await s.token("carol");
          const redeem = () =>
            fetch(s.tokenUrl, {
              method: "POST",
              body: new URLSearchParams({
                grant_type: "refresh_token",
                client_id: "colink-cli",
                refresh_token: body.refresh_token as string,
              }),
            }).then(async (r) => {
              await r.body?.cancel();
              return r.status;
            });
          const results = await Promise.all([redeem(), redeem(), redeem(), redeem()]);
          assert.deepEqual(results.sort(), [200, 400, 400, 400]);
        },
      );

      await t.step(
        "malformed client credentials are a 401 invalid_client, not a crash",
        async () => {
          for (const basic of ["%%%", btoa("no-colon"), btoa("colink-web:%E0%A4%A")]) {
            const res = await fetch(s.tokenUrl, {
              method: "POST",
              headers: { authorization: `Basic ${basic}` },
              body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "x" }),
            });
            assert.equal(res.status, 401, basic);
            assert.equal((await res.json()).error, "invalid_client");
          }
        },
      );

      await t.step("a plain GET on logout only asks; it does not end the session", async () => {
        const res = await fetch(
          `${s.issuerUrl}/protocol/openid-connect/logout?client_id=colink-web`,
        );
        const html = await res.text();
        assert.match(html, /<form id="kc-logout" method="post"/);
        assert.match(html, /name="client_id" value="colink-web"/);
      });

      await t.step(
        "the password grant is for colink-cli only; colink-web must use the code flow",
        async () => {
          const res = await fetch(s.tokenUrl, {
            method: "POST",
            body: new URLSearchParams({
              grant_type: "password",
              client_id: "colink-web",
              client_secret: "colink-web-dev-secret",
              username: "alice",
              password: "colink-dev",
            }),
          });
          assert.equal((await res.json()).error, "unauthorized_client");
        },
      );

      await t.step(
        "an authorization code needs the right PKCE verifier and works once",
        async () => {
          const verifier = "v".repeat(50);
          const redirect = `${new URL(s.issuerUrl).origin}/auth/callback`;
          const auth = new URL(`${s.issuerUrl}/protocol/openid-connect/auth`);
          auth.search = new URLSearchParams({
            client_id: "colink-web",
            redirect_uri: redirect,
            response_type: "code",
            scope: "openid",
            state: "s1",
            code_challenge: await pkceChallenge(verifier),
            code_challenge_method: "S256",
          }).toString();
          const page = await (await fetch(auth)).text();
          const action = /action="([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, "&");
          const login = await fetch(action, {
            method: "POST",
            body: new URLSearchParams({ username: "alice", password: "colink-dev" }),
            redirect: "manual",
          });
          const code = new URL(login.headers.get("location")!).searchParams.get("code")!;
          const redeem = (v: string) =>
            fetch(s.tokenUrl, {
              method: "POST",
              headers: { authorization: `Basic ${btoa("colink-web:colink-web-dev-secret")}` },
              body: new URLSearchParams({
                grant_type: "authorization_code",
                code,
                code_verifier: v,
                redirect_uri: redirect,
              }),
            }).then(async (r) => ({ status: r.status, body: await r.json() }));
          const wrong = await redeem("w".repeat(50));
          assert.equal(wrong.body.error, "invalid_grant");
          const again = await redeem(verifier);
          assert.equal(
            again.body.error,
            "invalid_grant",
            "a code is burnt by its first redemption, even a failed one",
          );
        },
      );

      await t.step(
        "a user can enrol TOTP; from then on sign-in needs the code; removal needs one too",
        async () => {
          const { body } = await s.token("alice");
          const bearer = {
            authorization: `Bearer ${body.access_token}`,
            "content-type": "application/json",
          };
          const start =
            await (await fetch(`${s.issuerUrl}/account/totp`, { method: "POST", headers: bearer }))
              .json();
          assert.match(start.otpauth_uri, /^otpauth:\/\/totp\//);
          const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(start.secret) });
          const wrong = await fetch(`${s.issuerUrl}/account/totp/confirm`, {
            method: "POST",
            headers: bearer,
            body: JSON.stringify({ code: totp.generate() === "000000" ? "111111" : "000000" }),
          });
          assert.equal(wrong.status, 400);
          await wrong.body?.cancel();
          const ok = await fetch(`${s.issuerUrl}/account/totp/confirm`, {
            method: "POST",
            headers: bearer,
            body: JSON.stringify({ code: totp.generate() }),
          });
          assert.equal(ok.status, 204);
          assert.equal((await s.token("alice")).body.error, "invalid_grant");
          assert.equal((await s.token("alice", { totp: totp.generate() })).status, 200);
          const replace = await fetch(`${s.issuerUrl}/account/totp`, {
            method: "POST",
            headers: bearer,
            body: "{}",
          });
          assert.equal(replace.status, 400, "a stolen token alone cannot swap the second factor");
          assert.equal((await replace.json()).error, "invalid_code");
          const removed = await fetch(`${s.issuerUrl}/account/totp`, {
            method: "DELETE",
            headers: bearer,
            body: JSON.stringify({ code: totp.generate() }),
          });
          assert.equal(removed.status, 204);
          assert.equal((await s.token("alice")).status, 200);
        },
      );

      await t.step(
        "repeated wrong passwords lock the account for a while, even with the right password",
        async () => {
          for (let i = 0; i < 10; i++) {
            assert.equal((await s.token("bob", { password: "nope" })).status, 401);
          }
          assert.equal((await s.token("bob")).body.error, "invalid_grant");
          const byEmail = await s.token("bob@colink.dev");
          assert.equal(byEmail.body.error, "invalid_grant", "the email is the same account");
        },
      );

      await t.step("wrong one-time codes count toward the lockout too", async () => {
        for (let i = 0; i < 10; i++) {
          assert.equal((await s.token("dave", { totp: "000000" })).status, 401);
        }
        const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32("JBSWY3DPEHPK3PXP") });
        assert.equal(
          (await s.token("dave", { totp: totp.generate() })).body.error,
          "invalid_grant",
        );
      });
    } finally {
      await s.close();
    }
  },
});

Deno.test("concurrent first uses of the key ring mint one signing key, not several", async () => {
  const ring = createKeyRing(await createMemoryDocumentStore(), { maxAgeMs: 3600_000 });
  const kids = await Promise.all(
    Array.from({ length: 5 }, async () => (await ring.signingKey()).kid),
  );
  assert.equal(new Set(kids).size, 1);
  assert.equal((await ring.jwks()).keys.length, 1);
});
