import assert from "node:assert/strict";
import { Hono } from "hono";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import {
  createMemoryDocumentStore,
  createMemoryKeyValue,
  createMemoryPubSub,
  createPgliteSql,
  migrate,
} from "@colink/platform";
import { colinkMigrations, DEV_USERS } from "@colink/db";
import { createServiceApp, silentLogger } from "@colink/http";
import { eventually, forgedTokensForIssuer } from "@colink/testing";
import { createEmbeddedIssuer, devClients } from "./issuer/mod.ts";
import { createPrincipalResolver } from "./principal.ts";
import { requireAuth } from "./middleware.ts";
import {
  createTokenVerifier,
  InvalidTokenError,
  KeysUnavailableError,
  remoteKeys,
  type TokenVerifier,
} from "./verifier.ts";

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
        principals: await createPrincipalResolver({ sql, pubsub: createMemoryPubSub() }),
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

// --- The issuer's keys when the issuer is down -----------------------------------------------
// A tiny OIDC issuer over real HTTP (discovery + JWKS), stopped and restarted on the same port,
// and a clock the tests move: the old verifier dropped its keys 10 minutes after the issuer
// became unreachable and refused every token from then on.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function testKey(): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const kid = crypto.randomUUID();
  return {
    kid,
    privateKey,
    jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" },
  };
}

/** Serves discovery and the JWKS at http://127.0.0.1:port/realms/t; `port` 0 picks a free one. */
function serveIssuer(keys: TestKey[], port = 0) {
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, (req) => {
    const { pathname, origin } = new URL(req.url);
    const issuer = `${origin}/realms/t`;
    if (pathname === "/realms/t/.well-known/openid-configuration") {
      return Response.json({ issuer, jwks_uri: `${issuer}/protocol/openid-connect/certs` });
    }
    if (pathname === "/realms/t/protocol/openid-connect/certs") {
      return Response.json({ keys: keys.map((k) => k.jwk) });
    }
    return new Response("not found", { status: 404 });
  });
  return {
    port: server.addr.port,
    issuer: `http://127.0.0.1:${server.addr.port}/realms/t`,
    stop: () => server.shutdown(),
  };
}

/** A verifier on the issuer's JWKS with a movable clock, recording every request it makes. */
function verifierFor(issuer: string, opts: { cooldownMs?: number; timeoutMs?: number } = {}) {
  let t = Date.now();
  const requests: string[] = [];
  const countingFetch: typeof fetch = (input, init) => {
    requests.push(new URL(input instanceof Request ? input.url : input).pathname);
    return fetch(input, init);
  };
  const now = () => t;
  const verifier: TokenVerifier = createTokenVerifier({
    issuer,
    audience: "colink-api",
    now,
    keys: remoteKeys(issuer, undefined, { ...opts, now, fetch: countingFetch }),
  });
  return {
    verifier,
    requests,
    jwksRequests: () => requests.filter((p) => p.endsWith("/certs")).length,
    discoveryRequests: () => requests.filter((p) => p.endsWith("/openid-configuration")).length,
    now,
    advance: (ms: number) => void (t += ms),
  };
}

/** An access token valid for a day from `nowMs`, so only the key decides whether it verifies. */
function accessToken(key: TestKey, issuer: string, nowMs: number): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({ typ: "Bearer", preferred_username: "alice" })
    .setProtectedHeader({ alg: "ES256", kid: key.kid })
    .setIssuer(issuer)
    .setAudience("colink-api")
    .setSubject("u-alice")
    .setIssuedAt(iat)
    .setExpirationTime(iat + 24 * 3600)
    .sign(key.privateKey);
}

async function freePort(): Promise<number> {
  const s = serveIssuer([]);
  await s.stop();
  return s.port;
}

Deno.test("remoteKeys() keeps the keys it holds while the issuer is down, past 10 minutes and for hours", async () => {
  const key = await testKey();
  const idp = serveIssuer([key]);
  const v = verifierFor(idp.issuer);
  const token = await accessToken(key, idp.issuer, v.now());
  assert.equal((await v.verifier.verify(token)).username, "alice");
  assert.deepEqual([v.discoveryRequests(), v.jwksRequests()], [1, 1]);

  await idp.stop();
  for (const ms of [11 * MINUTE, 3 * HOUR, 48 * HOUR]) {
    v.advance(ms);
    // Re-signed at the moved clock so the token's own expiry is not what is being tested.
    const later = await accessToken(key, idp.issuer, v.now());
    assert.equal((await v.verifier.verify(later)).username, "alice", `after +${ms} ms`);
    // The background refetch of old keys fails against the stopped issuer: the keys stay.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await v.verifier.verify(later)).username, "alice", `after the refetch failed`);
  }
  // One refetch attempt per verification after the max age, never more than one per cooldown.
  assert.equal(v.jwksRequests(), 4, `${v.requests}`);
});

Deno.test("remoteKeys() stops trusting a key the issuer withdrew once the held keys are older than maxAgeMs", async () => {
  const kept = await testKey();
  const withdrawn = await testKey();
  const published = [kept, withdrawn];
  const idp = serveIssuer(published);
  try {
    const v = verifierFor(idp.issuer);
    const token = await accessToken(withdrawn, idp.issuer, v.now());
    assert.equal((await v.verifier.verify(token)).username, "alice");
    published.splice(1, 1); // an admin deletes the compromised key; a known kid stays active
    v.advance(9 * MINUTE);
    assert.equal((await v.verifier.verify(token)).username, "alice", "within the max age");
    v.advance(2 * MINUTE);
    await eventually(() => assert.rejects(v.verifier.verify(token), InvalidTokenError), {
      timeoutMs: 2_000,
    });
    const good = await accessToken(kept, idp.issuer, v.now());
    assert.equal((await v.verifier.verify(good)).username, "alice");
  } finally {
    await idp.stop();
  }
});

Deno.test("remoteKeys() refuses an unknown kid quickly as an invalid token while the issuer is down, asking it at most once per cooldown", async () => {
  const key = await testKey();
  const idp = serveIssuer([key]);
  const v = verifierFor(idp.issuer, { cooldownMs: 30_000 });
  await v.verifier.verify(await accessToken(key, idp.issuer, v.now()));
  await idp.stop();

  const stranger = await testKey();
  v.advance(31_000);
  const started = performance.now();
  await assert.rejects(
    v.verifier.verify(await accessToken(stranger, idp.issuer, v.now())),
    InvalidTokenError,
  );
  assert.ok(performance.now() - started < 2_000, "an unreachable issuer must not stall requests");
  assert.equal(v.jwksRequests(), 2, "one refetch attempt for the unknown kid");

  // Within the cooldown: more unknown kids, concurrently too, cause no request at all.
  v.advance(10_000);
  const strangers = await Promise.all(Array.from({ length: 5 }, testKey));
  const refused = await Promise.allSettled(
    strangers.map(async (k) => v.verifier.verify(await accessToken(k, idp.issuer, v.now()))),
  );
  for (const r of refused) {
    assert.ok(r.status === "rejected" && r.reason instanceof InvalidTokenError, String(r));
  }
  assert.equal(v.jwksRequests(), 2, "no request within the cooldown");

  // The failed refetch did not cost the keys already held.
  assert.equal(
    (await v.verifier.verify(await accessToken(key, idp.issuer, v.now()))).sub,
    "u-alice",
  );
  assert.equal(v.discoveryRequests(), 1, "discovery is not repeated once it succeeded");
});

Deno.test("remoteKeys() gives up on an issuer that accepts connections but never answers after timeoutMs", async () => {
  const key = await testKey();
  const idp = serveIssuer([key]);
  const v = verifierFor(idp.issuer, { cooldownMs: 30_000, timeoutMs: 200 });
  await v.verifier.verify(await accessToken(key, idp.issuer, v.now()));
  await idp.stop();
  // Same port, now a black hole: connections are accepted, nothing is ever written back.
  const hole = Deno.listen({ hostname: "127.0.0.1", port: idp.port });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of hole) conns.push(c);
  })();
  try {
    v.advance(31_000);
    const started = performance.now();
    await assert.rejects(
      v.verifier.verify(await accessToken(await testKey(), idp.issuer, v.now())),
      InvalidTokenError,
    );
    const took = performance.now() - started;
    assert.ok(took < 1_500, `took ${took} ms with a 200 ms timeout`);
    assert.equal(v.jwksRequests(), 2);
    assert.equal(
      (await v.verifier.verify(await accessToken(key, idp.issuer, v.now()))).sub,
      "u-alice",
    );
  } finally {
    hole.close();
    for (const c of conns) c.close();
    await accepting.catch(() => {});
  }
});

Deno.test("remoteKeys() picks up a rotated key from a restarted issuer once the cooldown has passed", async () => {
  const oldKey = await testKey();
  const idp = serveIssuer([oldKey]);
  const v = verifierFor(idp.issuer, { cooldownMs: 30_000 });
  const oldToken = await accessToken(oldKey, idp.issuer, v.now());
  await v.verifier.verify(oldToken);
  await idp.stop();

  const newKey = await testKey();
  const newToken = await accessToken(newKey, idp.issuer, v.now());
  v.advance(31_000);
  await assert.rejects(v.verifier.verify(newToken), InvalidTokenError, "issuer down");
  assert.equal(v.jwksRequests(), 2);

  // Keycloak is back with the rotated key only.
  const back = serveIssuer([newKey], idp.port);
  try {
    v.advance(10_000);
    await assert.rejects(v.verifier.verify(newToken), InvalidTokenError, "still cooling down");
    assert.equal(v.jwksRequests(), 2, "no request within the cooldown");
    v.advance(21_000);
    assert.equal((await v.verifier.verify(newToken)).username, "alice");
    assert.equal(v.jwksRequests(), 3);
    assert.equal(v.discoveryRequests(), 1, "the discovered jwks_uri is kept");
    // A successful fetch replaces the keys: the retired one is gone.
    await assert.rejects(v.verifier.verify(oldToken), InvalidTokenError);
  } finally {
    await back.stop();
  }
});

Deno.test("remoteKeys() on first use with the issuer down rejects with KeysUnavailableError, not InvalidTokenError, and retries discovery after 2 s", async () => {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}/realms/t`;
  const key = await testKey();
  const v = verifierFor(issuer, { cooldownMs: 30_000 });
  const token = await accessToken(key, issuer, v.now());

  const err = await v.verifier.verify(token).catch((e) => e);
  assert.ok(err instanceof KeysUnavailableError, `got ${err}`);
  assert.ok(!(err instanceof InvalidTokenError));
  assert.deepEqual(v.requests, ["/realms/t/.well-known/openid-configuration"]);

  const idp = serveIssuer([key], port);
  try {
    v.advance(1_000);
    await assert.rejects(v.verifier.verify(token), KeysUnavailableError);
    assert.equal(v.requests.length, 1, "discovery is not retried within 2 s");

    // Without keys the retry comes after 2 s, not the 30 s cooldown for unknown kids; then
    // concurrent first requests share one discovery and one JWKS fetch.
    v.advance(1_000);
    const ids = await Promise.all(Array.from({ length: 10 }, () => v.verifier.verify(token)));
    assert.ok(ids.every((id) => id.username === "alice"));
    assert.deepEqual([v.discoveryRequests(), v.jwksRequests()], [2, 1]);
  } finally {
    await idp.stop();
  }
});
