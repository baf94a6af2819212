import assert from "node:assert/strict";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JWK, jwtVerify } from "jose";
import { DEV_USERS } from "@colink/db";
import {
  distributedTestEnv,
  firstReply,
  forgedTokensForIssuer,
  forgedTokenTable,
  passwordGrant,
  realServers,
  requireServer,
  type RunningProcess,
  startProcess,
  type TokenCase,
} from "@colink/testing";
import { realtimeService } from "@colink/svc-realtime";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";
import { SERVICES } from "./registry.ts";

const keycloakIssuer = () => `${realServers().KEYCLOAK_URL}/realms/colink`;

/**
 * The forged-token table built from tokens the real Keycloak issued to alice: her colink-cli
 * access token (accepted), tokens Keycloak really signed that are not access tokens for the API
 * (refused), and every forgery an attacker can derive from her token and Keycloak's public key.
 */
async function keycloakTable(): Promise<TokenCase[]> {
  const issuer = keycloakIssuer();
  const discovery = await requireServer("Keycloak", issuer, async () => {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return await res.json() as { token_endpoint: string; jwks_uri: string };
  });
  const grant = async (extra: Record<string, string> = {}) => {
    const { status, body } = await passwordGrant(fetch, discovery.token_endpoint, "alice", extra);
    assert.equal(status, 200, JSON.stringify(body));
    return body as Record<string, string>;
  };
  const cli = await grant();
  // admin-cli exists in every Keycloak realm and allows the password grant; its tokens carry no
  // colink-api audience.
  const otherClient = await grant({ client_id: "admin-cli" });
  const jwks = await (await fetch(discovery.jwks_uri)).json() as { keys: JWK[] };
  const kid = decodeProtectedHeader(cli.access_token!).kid;
  const publicJwk = jwks.keys.find((k) => k.kid === kid);
  assert.ok(publicJwk, `Keycloak publishes the key ${kid} that signed the access token`);

  // The issued-but-wrong tokens are refused for what they are, not for a bad signature: the RS256
  // ones verify against Keycloak's keys, and none claims to be an access token for colink-api.
  const keys = createLocalJWKSet(jwks);
  for (const token of [otherClient.access_token!, cli.id_token!]) {
    await jwtVerify(token, keys, { issuer, algorithms: ["RS256"] });
  }
  const other = decodeJwt(otherClient.access_token!);
  const aud = [other.aud ?? []].flat();
  assert.ok(!aud.includes("colink-api"), `admin-cli token audience: ${aud}`);
  assert.equal(other.typ, "Bearer");
  assert.equal(decodeJwt(cli.id_token!).typ, "ID");
  assert.equal(decodeJwt(cli.refresh_token!).typ, "Refresh");

  return await forgedTokenTable({
    genuine: cli.access_token!,
    publicJwk,
    issuedButWrong: [
      {
        // The colink realm gives admin-cli no "basic" scope, so its tokens lack sub as well as
        // our audience: this case shows a real token meant for another client does not get in,
        // while the embedded issuer's table isolates the audience check.
        name: `Keycloak access token of another client (admin-cli, aud ${JSON.stringify(aud)}${
          other.sub ? "" : ", no sub"
        })`,
        token: otherClient.access_token!,
      },
      { name: "Keycloak ID token (typ ID, audience colink-cli)", token: cli.id_token! },
      {
        name: `Keycloak refresh token (typ Refresh, ${
          decodeProtectedHeader(cli.refresh_token!).alg
        })`,
        token: cli.refresh_token!,
      },
    ],
  });
}

/** An entry point that takes tokens: a REST route or the WebSocket's auth frame. */
interface Target {
  name: string;
  kind: "rest" | "ws";
  /** http(s) base for REST, ws(s) base for the socket. */
  base: string;
}

/**
 * Runs every case of the table against every target: genuine tokens get alice's profile (REST)
 * or a hello with her user id (WebSocket); every other token a 401 or a close with 4401.
 */
async function runTable(
  t: Deno.TestContext,
  table: TokenCase[],
  targets: Target[],
  user: { username: string; id: string },
): Promise<void> {
  assert.ok(table.filter((tc) => tc.accepted).length >= 1);
  assert.ok(table.filter((tc) => !tc.accepted).length >= 15);
  for (const target of targets) {
    for (const tc of table) {
      await t.step(
        `${target.name}: ${tc.accepted ? "accepts" : "rejects"}: ${tc.name}`,
        async () => {
          if (target.kind === "ws") {
            const got = await firstReply(target.base, { type: "auth", token: tc.token });
            if (tc.accepted) {
              assert.equal(got.frame?.type, "hello", JSON.stringify(got));
              assert.equal(got.frame?.user_id, user.id);
            } else {
              assert.deepEqual(got, { close: 4401 });
            }
            return;
          }
          const res = await fetch(`${target.base}/api/v1/me`, {
            headers: { authorization: `Bearer ${tc.token}` },
          });
          const body = await res.json();
          if (tc.accepted) {
            assert.equal(res.status, 200, JSON.stringify(body));
            assert.equal(body.username, user.username);
            assert.equal(body.id, user.id);
          } else {
            assert.equal(res.status, 401, JSON.stringify(body));
            assert.equal(body.error.code, "unauthorized");
            assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
          }
        },
      );
    }
  }
}

/** Alice's user id as the API reports it, via the table's genuine token. */
async function aliceVia(
  base: string,
  table: TokenCase[],
): Promise<{ username: string; id: string }> {
  const genuine = table.find((tc) => tc.accepted)!;
  const res = await fetch(`${base}/api/v1/me`, {
    headers: { authorization: `Bearer ${genuine.token}` },
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return { username: "alice", id: body.id };
}

const restAndWs = (name: string, p: RunningProcess): Target[] => [
  { name: `${name} REST`, kind: "rest", base: p.base },
  { name: `${name} /ws`, kind: "ws", base: p.wsBase },
];

Deno.test({
  name:
    "Keycloak-issued tokens and their forgeries through the embedded gateway: GET /api/v1/me and /ws",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const table = await keycloakTable();
    const p = await startProcess([gatewayService, usersService, realtimeService], {
      OIDC_ISSUER: keycloakIssuer(),
    });
    try {
      await runTable(t, table, restAndWs("embedded gateway", p), await aliceVia(p.base, table));
    } finally {
      await p.close();
    }
  },
});

Deno.test({
  name:
    "Keycloak-issued tokens and their forgeries through the distributed gateway, and on the services' own ports",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const table = await keycloakTable();
    const d = await distributedTestEnv("forged");
    const env = d.env;
    const started: RunningProcess[] = [];
    try {
      const users = await startProcess([usersService], env);
      started.push(users);
      const realtime = await startProcess([realtimeService], env);
      started.push(realtime);
      const gateway = await startProcess([gatewayService], {
        ...env,
        USERS_URL: users.base,
        REALTIME_URL: realtime.base,
      }, SERVICES);
      started.push(gateway);
      await runTable(
        t,
        table,
        [
          ...restAndWs("distributed gateway", gateway),
          { name: "users service's own port REST", kind: "rest", base: users.base },
          { name: "realtime service's own port /ws", kind: "ws", base: realtime.wsBase },
        ],
        await aliceVia(gateway.base, table),
      );
    } finally {
      for (const p of started.reverse()) await p.close();
      await d.drop();
    }
  },
});

// Needs no server, but belongs with the runs above: the same table from the embedded issuer,
// through the same gateway routes.
Deno.test({
  name:
    "embedded-issuer tokens and their forgeries through the embedded gateway: /api/v1/me and /ws",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const p = await startProcess([gatewayService, usersService, realtimeService]);
    try {
      const alice = DEV_USERS.find((u) => u.username === "alice")!;
      const table = await forgedTokensForIssuer(
        p.proc.issuer!.keys,
        `${p.base}/realms/colink`,
        alice,
      );
      await runTable(t, table, restAndWs("embedded gateway", p), await aliceVia(p.base, table));
    } finally {
      await p.close();
    }
  },
});
