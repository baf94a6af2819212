import type { AdminConfig } from "../config.ts";

/** What a ban needs of the identity provider: to turn the account off and on again. */
export interface IdentityAdmin {
  setEnabled(sub: string, enabled: boolean): Promise<void>;
}

/**
 * Keycloak's admin REST API (PUT /admin/realms/{realm}/users/{id}; POST .../logout), with a
 * token from the client-credentials grant (a service account) or an admin's password grant.
 * `realm` is the users' realm, taken from the OIDC issuer URL. Undefined without credentials.
 */
export function keycloakAdmin(
  c: AdminConfig,
  issuer: string,
  fetchImpl: typeof fetch = fetch,
): IdentityAdmin | undefined {
  const base = c.KEYCLOAK_ADMIN_URL?.replace(/\/$/, "");
  const hasSecret = c.KEYCLOAK_ADMIN_CLIENT_SECRET !== undefined;
  const hasPassword = c.KEYCLOAK_ADMIN_USERNAME !== undefined &&
    c.KEYCLOAK_ADMIN_PASSWORD !== undefined;
  const realm = /\/realms\/([^/]+)\/?$/.exec(issuer)?.[1];
  if (!base || !realm || (!hasSecret && !hasPassword)) return undefined;
  let cached: { token: string; until: number } | undefined;

  async function token(): Promise<string> {
    if (cached && cached.until > Date.now()) return cached.token;
    const form = new URLSearchParams({ client_id: c.KEYCLOAK_ADMIN_CLIENT_ID });
    if (hasSecret) {
      form.set("grant_type", "client_credentials");
      form.set("client_secret", c.KEYCLOAK_ADMIN_CLIENT_SECRET!);
    } else {
      form.set("grant_type", "password");
      form.set("username", c.KEYCLOAK_ADMIN_USERNAME!);
      form.set("password", c.KEYCLOAK_ADMIN_PASSWORD!);
    }
    const res = await fetchImpl(
      `${base}/realms/${c.KEYCLOAK_ADMIN_REALM}/protocol/openid-connect/token`,
      { method: "POST", body: form, signal: AbortSignal.timeout(10_000) },
    );
    const body = await res.json().catch(() => ({})) as {
      access_token?: string;
      expires_in?: number;
    };
    if (!res.ok || !body.access_token) {
      throw new Error(`Keycloak admin token: HTTP ${res.status}`);
    }
    cached = {
      token: body.access_token,
      until: Date.now() + Math.max(0, (body.expires_in ?? 60) - 10) * 1000,
    };
    return body.access_token;
  }

  async function call(method: string, path: string, body?: unknown): Promise<void> {
    const res = await fetchImpl(`${base}/admin/realms/${realm}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await token()}`,
        ...(body ? { "content-type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`Keycloak ${method} ${path}: HTTP ${res.status}`);
  }

  return {
    async setEnabled(sub, enabled) {
      const user = `/users/${encodeURIComponent(sub)}`;
      await call("PUT", user, { enabled });
      // Disabling does not end the SSO sessions it already has: sign them out too.
      if (!enabled) await call("POST", `${user}/logout`);
    },
  };
}
