import assert from "node:assert/strict";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { realServers, requireServer } from "@colink/testing";

const issuer = () => `${realServers().KEYCLOAK_URL}/realms/colink`;

async function passwordGrant(username: string) {
  const res = await fetch(`${issuer()}/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "password", client_id: "colink-cli", username, password: "colink-dev" }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()).access_token as string;
}

Deno.test("the imported colink realm issues access tokens for colink-api with realm roles", async () => {
  const discovery = await requireServer("Keycloak", issuer(), async () => {
    const res = await fetch(`${issuer()}/.well-known/openid-configuration`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return await res.json();
  });
  assert.equal(discovery.issuer, issuer());
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  for (const [user, role] of [["alice", "member"], ["admin", "admin"]] as const) {
    const { payload } = await jwtVerify(await passwordGrant(user), jwks, {
      issuer: issuer(),
      audience: "colink-api",
      algorithms: ["RS256"],
    });
    assert.equal(payload.preferred_username, user);
    assert.ok((payload.realm_access as { roles: string[] }).roles.includes(role), `${user} has ${role}`);
  }
});
