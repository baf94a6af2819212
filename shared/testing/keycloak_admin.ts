import { realServers } from "./real_servers.ts";

/** A throwaway user in the Keycloak dev realm (for tests that ban, disable or delete someone). */
export interface KeycloakTestUser {
  username: string;
  password: string;
  /** Keycloak's user id: the tokens' `sub`. */
  sub: string;
  enabled(): Promise<boolean>;
  remove(): Promise<void>;
}

async function adminToken(): Promise<string> {
  const s = realServers();
  const res = await fetch(`${s.KEYCLOAK_URL}/realms/master/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "password",
      client_id: "admin-cli",
      username: s.KEYCLOAK_ADMIN_USERNAME,
      password: s.KEYCLOAK_ADMIN_PASSWORD,
    }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`Keycloak admin sign-in: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** Creates a user (realm role member, password set, nothing required) through the admin API. */
export async function createKeycloakUser(username: string): Promise<KeycloakTestUser> {
  const base = `${realServers().KEYCLOAK_URL}/admin/realms/colink`;
  const headers = async () => ({
    authorization: `Bearer ${await adminToken()}`,
    "content-type": "application/json",
  });
  const password = `pw-${crypto.randomUUID()}`;
  const made = await fetch(`${base}/users`, {
    method: "POST",
    headers: await headers(),
    body: JSON.stringify({
      username,
      enabled: true,
      email: `${username}@example.test`,
      emailVerified: true,
      firstName: "Test",
      lastName: username,
      credentials: [{ type: "password", value: password, temporary: false }],
    }),
  });
  await made.body?.cancel();
  if (made.status !== 201) throw new Error(`creating Keycloak user ${username}: ${made.status}`);
  const sub = made.headers.get("location")!.split("/").at(-1)!;
  return {
    username,
    password,
    sub,
    async enabled() {
      const res = await fetch(`${base}/users/${sub}`, { headers: await headers() });
      return (await res.json()).enabled === true;
    },
    async remove() {
      const res = await fetch(`${base}/users/${sub}`, {
        method: "DELETE",
        headers: await headers(),
      });
      await res.body?.cancel();
    },
  };
}
