import { Hono } from "hono";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { SignJWT } from "jose";
import * as OTPAuth from "otpauth";
import { type DocumentStore, type KeyValue, randomSecret, sha256Base64url } from "@colink/platform";
import { timingSafeEqual } from "../timing_safe_equal.ts";
import { createTokenVerifier, InvalidTokenError } from "../verifier.ts";
import {
  createDirectory,
  type Directory,
  type IssuerUser,
  totpFor,
  totpValid,
  verifyPassword,
} from "./directory.ts";
import { createKeyRing, type KeyRing } from "./keys.ts";
import { loginPage, logoutConfirmPage, messagePage, otpPage } from "./login_page.ts";

export interface IssuerClient {
  clientId: string;
  /** Confidential clients authenticate with this secret; public clients have none. */
  secret?: string;
  /** Exact URIs, or prefixes ending in `*` (Keycloak's wildcard). */
  redirectUris: string[];
  standardFlow: boolean;
  directGrant: boolean;
  pkceRequired: boolean;
}

export interface EmbeddedIssuerOptions {
  /** e.g. http://localhost:8000/realms/colink */
  issuerUrl: string;
  env: "development" | "test" | "production";
  docs: DocumentStore;
  kv: KeyValue;
  clients: IssuerClient[];
  audience?: string;
  accessTokenTtlSec?: number;
  /** SSO session and refresh token idle lifetime. */
  sessionTtlSec?: number;
  keyMaxAgeMs?: number;
  /** Failed logins of one user before a lockout (Keycloak's brute-force detection). */
  maxLoginFailures?: number;
  lockoutSec?: number;
}

export interface EmbeddedIssuer {
  /** Mount at the root: every path is under /realms/<realm>/. */
  app: Hono;
  keys: KeyRing;
  directory: Directory;
}

interface AuthRequest {
  clientId: string;
  redirectUri: string;
  state?: string;
  nonce?: string;
  scope: string;
  codeChallenge?: string;
  /** Set once the password was right and only the second factor is missing. */
  sub?: string;
}

interface CodeGrant {
  clientId: string;
  redirectUri: string;
  codeChallenge?: string;
  nonce?: string;
  scope: string;
  sub: string;
  sid: string;
  authTime: number;
}

interface RefreshGrant {
  clientId: string;
  sub: string;
  sid: string;
  scope: string;
  authTime: number;
}

const SSO_COOKIE = "COLINK_IDP_SESSION";

function oauthError(c: Context, status: 400 | 401, error: string, description: string) {
  return c.json({ error, error_description: description }, status);
}

/** A form post's fields as strings (file fields are not expected on any of these endpoints). */
async function formFields(c: Context): Promise<Record<string, string>> {
  return Object.fromEntries(
    Object.entries(await c.req.parseBody()).map(([k, v]) => [k, String(v)]),
  );
}

/** The profile claims Keycloak puts in tokens and userinfo. */
const profileClaims = (u: IssuerUser) => ({
  preferred_username: u.username,
  email: u.email,
  email_verified: true,
  name: u.name,
  given_name: u.given_name,
  family_name: u.family_name,
});

function redirectAllowed(client: IssuerClient, uri: string): boolean {
  return client.redirectUris.some((
    p,
  ) => (p.endsWith("*") ? uri.startsWith(p.slice(0, -1)) : uri === p));
}

/**
 * The embedded OIDC issuer for `deno task dev`: Keycloak's path layout and token shapes, so the
 * gateway, the web client and the tests run unchanged against it or against Keycloak. Signs
 * with rotating RS256 keys; authorization code + PKCE with a real login page (and TOTP for users
 * who enrolled), the password grant for colink-cli, rotating refresh tokens, userinfo, logout.
 * It refuses to exist in production.
 */
export function createEmbeddedIssuer(o: EmbeddedIssuerOptions): EmbeddedIssuer {
  if (o.env === "production") {
    throw new Error(
      "the embedded OIDC issuer is for development only; configure OIDC_ISSUER (Keycloak) in production",
    );
  }
  const base = new URL(o.issuerUrl).pathname.replace(/\/$/, "");
  const audience = o.audience ?? "colink-api";
  const accessTtl = o.accessTokenTtlSec ?? 300;
  const sessionTtl = o.sessionTtlSec ?? 1800;
  const maxFailures = o.maxLoginFailures ?? 10;
  const lockoutSec = o.lockoutSec ?? 60;
  const keys = createKeyRing(o.docs, { maxAgeMs: o.keyMaxAgeMs ?? 7 * 24 * 3600_000 });
  const directory = createDirectory(o.docs);
  const kv = o.kv;
  const verifier = createTokenVerifier({
    issuer: o.issuerUrl,
    audience,
    keys: keys.verificationKeys(),
  });
  const clients = new Map(o.clients.map((c) => [c.clientId, c]));
  const ep = (name: string) => `${o.issuerUrl}/protocol/openid-connect/${name}`;

  async function sign(
    claims: Record<string, unknown>,
    sub: string,
    aud: string | string[],
    ttl: number,
  ) {
    const { kid, key } = await keys.signingKey();
    const now = Math.floor(Date.now() / 1000);
    return await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
      .setIssuer(o.issuerUrl)
      .setSubject(sub)
      .setAudience(aud)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setJti(crypto.randomUUID())
      .sign(key);
  }

  async function mintTokens(user: IssuerUser, g: RefreshGrant & { nonce?: string }) {
    const profile = profileClaims(user);
    const access = await sign(
      {
        typ: "Bearer",
        azp: g.clientId,
        sid: g.sid,
        scope: g.scope,
        ...profile,
        realm_access: { roles: user.realm_roles },
      },
      user.sub,
      [audience, "account"],
      accessTtl,
    );
    const refresh = randomSecret();
    await kv.set(
      `idp:rt:${await sha256Base64url(refresh)}`,
      JSON.stringify(g satisfies RefreshGrant),
      {
        ttlMs: sessionTtl * 1000,
      },
    );
    const out: Record<string, unknown> = {
      access_token: access,
      expires_in: accessTtl,
      refresh_token: refresh,
      refresh_expires_in: sessionTtl,
      token_type: "Bearer",
      "not-before-policy": 0,
      session_state: g.sid,
      scope: g.scope,
    };
    if (g.scope.split(" ").includes("openid")) {
      out.id_token = await sign(
        {
          typ: "ID",
          azp: g.clientId,
          sid: g.sid,
          nonce: g.nonce,
          auth_time: g.authTime,
          ...profile,
        },
        user.sub,
        g.clientId,
        accessTtl,
      );
    }
    return out;
  }

  async function openSession(sub: string): Promise<string> {
    const sid = crypto.randomUUID();
    await kv.set(`idp:sso:${sid}`, sub, { ttlMs: sessionTtl * 1000 });
    return sid;
  }

  /** Password (and, when enrolled, TOTP) check with a per-user lockout after repeated failures. */
  async function authenticate(
    username: string,
    password: string,
  ): Promise<IssuerUser | "locked" | null> {
    const user = await directory.byUsername(username) ??
      (username.includes("@") ? await findByEmail(username) : null);
    // Counted per account (whatever name or email was typed), like Keycloak's brute-force
    // detection; unknown names get a counter of their own so probing them is throttled too.
    const key = failureKey(user?.sub ?? `name:${username.toLowerCase()}`);
    if (Number(await kv.get(key) ?? 0) >= maxFailures) return "locked";
    if (user && await verifyPassword(password, user.password_hash)) return user;
    await kv.incr(key, { ttlMs: lockoutSec * 1000 });
    return null;
  }
  const failureKey = (who: string) => `idp:failures:${who}`;
  /** A wrong second factor counts toward the same lockout as a wrong password. */
  async function secondFactorOk(user: IssuerUser, code: string): Promise<boolean> {
    if (!user.totp_secret) return true;
    if (Number(await kv.get(failureKey(user.sub)) ?? 0) >= maxFailures) return false;
    if (totpValid(user.totp_secret, code)) return true;
    await kv.incr(failureKey(user.sub), { ttlMs: lockoutSec * 1000 });
    return false;
  }
  const findByEmail = async (email: string) => {
    const name = email.split("@")[0]!;
    const u = await directory.byUsername(name);
    return u?.email.toLowerCase() === email.toLowerCase() ? u : null;
  };

  function clientAuth(c: Context, form: Record<string, string>): IssuerClient | string {
    let id = form.client_id, secret = form.client_secret;
    const basic = c.req.header("authorization");
    if (basic?.startsWith("Basic ")) {
      try {
        const decoded = atob(basic.slice(6));
        const colon = decoded.indexOf(":");
        if (colon < 0) return "malformed client credentials";
        id = decodeURIComponent(decoded.slice(0, colon));
        secret = decodeURIComponent(decoded.slice(colon + 1));
      } catch {
        return "malformed client credentials";
      }
    }
    const client = id ? clients.get(id) : undefined;
    if (!client) return "unknown client";
    if (client.secret !== undefined && !timingSafeEqual(client.secret, secret ?? "")) {
      return "invalid client credentials";
    }
    return client;
  }

  async function issueCode(
    c: Context,
    req: AuthRequest,
    sub: string,
    sid: string,
    authTime: number,
  ) {
    const code = randomSecret();
    const grant: CodeGrant = {
      clientId: req.clientId,
      redirectUri: req.redirectUri,
      codeChallenge: req.codeChallenge,
      nonce: req.nonce,
      scope: req.scope,
      sub,
      sid,
      authTime,
    };
    await kv.set(`idp:code:${code}`, JSON.stringify(grant), { ttlMs: 60_000 });
    const to = new URL(req.redirectUri);
    to.searchParams.set("code", code);
    if (req.state) to.searchParams.set("state", req.state);
    to.searchParams.set("session_state", sid);
    to.searchParams.set("iss", o.issuerUrl);
    return c.redirect(to.toString(), 302);
  }

  const app = new Hono();
  const r = `${base}`;

  app.get(`${r}/.well-known/openid-configuration`, (c) =>
    c.json({
      issuer: o.issuerUrl,
      authorization_endpoint: ep("auth"),
      token_endpoint: ep("token"),
      userinfo_endpoint: ep("userinfo"),
      end_session_endpoint: ep("logout"),
      jwks_uri: ep("certs"),
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code", "password", "refresh_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
    }));

  app.get(`${r}/protocol/openid-connect/certs`, async (c) => {
    c.header("Cache-Control", "public, max-age=60");
    return c.json(await keys.jwks());
  });

  app.get(`${r}/protocol/openid-connect/auth`, async (c) => {
    const q = c.req.query();
    const client = clients.get(q.client_id ?? "");
    if (!client || !client.standardFlow) {
      return c.html(messagePage("Sign-in error", "Unknown or disallowed client."), 400);
    }
    if (!q.redirect_uri || !redirectAllowed(client, q.redirect_uri)) {
      return c.html(messagePage("Sign-in error", "Invalid parameter: redirect_uri"), 400);
    }
    const back = (error: string, description: string) => {
      const to = new URL(q.redirect_uri!);
      to.searchParams.set("error", error);
      to.searchParams.set("error_description", description);
      if (q.state) to.searchParams.set("state", q.state);
      return c.redirect(to.toString(), 302);
    };
    if (q.response_type !== "code") {
      return back("unsupported_response_type", "only response_type=code");
    }
    if (q.code_challenge_method && q.code_challenge_method !== "S256") {
      return back("invalid_request", "only code_challenge_method=S256");
    }
    if (client.pkceRequired && !q.code_challenge) {
      return back("invalid_request", "Missing parameter: code_challenge");
    }
    const req: AuthRequest = {
      clientId: client.clientId,
      redirectUri: q.redirect_uri,
      state: q.state,
      nonce: q.nonce,
      scope: q.scope ?? "openid",
      codeChallenge: q.code_challenge,
    };
    const sid = getCookie(c, SSO_COOKIE);
    const ssoSub = sid ? await kv.get(`idp:sso:${sid}`) : null;
    if (ssoSub && q.prompt !== "login") {
      return issueCode(c, req, ssoSub, sid!, Math.floor(Date.now() / 1000));
    }
    if (q.prompt === "none") return back("login_required", "no session");
    const id = randomSecret();
    await kv.set(`idp:authreq:${id}`, JSON.stringify(req), { ttlMs: 600_000 });
    return c.html(loginPage({ action: `${ep("auth")}/login?session_code=${id}` }));
  });

  app.post(`${r}/protocol/openid-connect/auth/login`, async (c) => {
    const id = c.req.query("session_code") ?? "";
    const raw = await kv.get(`idp:authreq:${id}`);
    if (!raw) {
      return c.html(
        messagePage("Sign-in expired", "Your sign-in took too long. Go back and try again."),
        400,
      );
    }
    const req = JSON.parse(raw) as AuthRequest;
    const form = await formFields(c);
    const action = `${ep("auth")}/login?session_code=${id}`;
    let user: IssuerUser | null;
    if (req.sub) {
      user = await directory.bySub(req.sub);
      if (!user?.totp_secret || !(await secondFactorOk(user, String(form.otp ?? "")))) {
        return c.html(otpPage({ action, error: "Invalid authenticator code." }), 200);
      }
    } else {
      const result = await authenticate(String(form.username ?? ""), String(form.password ?? ""));
      if (result === "locked") {
        return c.html(
          loginPage({
            action,
            username: form.username,
            error: "Too many failed attempts. Try again later.",
          }),
          200,
        );
      }
      if (!result) {
        return c.html(
          loginPage({ action, username: form.username, error: "Invalid username or password." }),
          200,
        );
      }
      user = result;
      if (user.totp_secret) {
        await kv.set(`idp:authreq:${id}`, JSON.stringify({ ...req, sub: user.sub }), {
          ttlMs: 300_000,
        });
        return c.html(otpPage({ action }));
      }
    }
    await kv.del(`idp:authreq:${id}`);
    const sid = await openSession(user!.sub);
    setCookie(c, SSO_COOKIE, sid, {
      path: base,
      httpOnly: true,
      sameSite: "Lax",
      secure: o.issuerUrl.startsWith("https:"),
    });
    return issueCode(c, req, user!.sub, sid, Math.floor(Date.now() / 1000));
  });

  app.post(`${r}/protocol/openid-connect/token`, async (c) => {
    const form = await formFields(c);
    const client = clientAuth(c, form);
    if (typeof client === "string") return oauthError(c, 401, "invalid_client", client);

    if (form.grant_type === "password") {
      if (!client.directGrant) {
        return oauthError(
          c,
          400,
          "unauthorized_client",
          "Client not allowed for direct access grants",
        );
      }
      const user = await authenticate(form.username ?? "", form.password ?? "");
      if (user === "locked" || !user) {
        return oauthError(c, 401, "invalid_grant", "Invalid user credentials");
      }
      if (!(await secondFactorOk(user, form.totp ?? ""))) {
        return oauthError(c, 401, "invalid_grant", "Invalid user credentials");
      }
      const sid = await openSession(user.sub);
      return c.json(
        await mintTokens(user, {
          clientId: client.clientId,
          sub: user.sub,
          sid,
          scope: form.scope ?? "openid profile email",
          authTime: Math.floor(Date.now() / 1000),
        }),
      );
    }

    if (form.grant_type === "authorization_code") {
      const code = form.code ?? "";
      const raw = await kv.get(`idp:code:${code}`);
      // A code is good once: whoever redeems it second (an attacker or a replay) gets nothing.
      if (
        !raw ||
        !(await kv.set(`idp:code-used:${code}`, "1", { ttlMs: 120_000, onlyIfAbsent: true }))
      ) {
        return oauthError(c, 400, "invalid_grant", "Code not valid");
      }
      await kv.del(`idp:code:${code}`);
      const g = JSON.parse(raw) as CodeGrant;
      if (g.clientId !== client.clientId) {
        return oauthError(c, 400, "invalid_grant", "Code was issued to another client");
      }
      if (g.redirectUri !== form.redirect_uri) {
        return oauthError(c, 400, "invalid_grant", "Incorrect redirect_uri");
      }
      if (g.codeChallenge || client.pkceRequired) {
        if (
          !form.code_verifier || (await sha256Base64url(form.code_verifier)) !== g.codeChallenge
        ) {
          return oauthError(c, 400, "invalid_grant", "PKCE verification failed");
        }
      }
      const user = await directory.bySub(g.sub);
      if (!user || !(await kv.get(`idp:sso:${g.sid}`))) {
        return oauthError(c, 400, "invalid_grant", "Session not active");
      }
      return c.json(await mintTokens(user, g));
    }

    if (form.grant_type === "refresh_token") {
      const hash = await sha256Base64url(form.refresh_token ?? "");
      const key = `idp:rt:${hash}`;
      const raw = await kv.get(key);
      // Single use even under concurrency: only the first redeemer claims it.
      if (
        !raw ||
        !(await kv.set(`idp:rt-used:${hash}`, "1", {
          ttlMs: sessionTtl * 1000,
          onlyIfAbsent: true,
        }))
      ) {
        return oauthError(c, 400, "invalid_grant", "Invalid refresh token");
      }
      const g = JSON.parse(raw) as RefreshGrant;
      if (g.clientId !== client.clientId) {
        return oauthError(c, 400, "invalid_grant", "Token was issued to another client");
      }
      await kv.del(key); // rotation: each refresh token works once
      const user = await directory.bySub(g.sub);
      if (!user || !(await kv.get(`idp:sso:${g.sid}`))) {
        return oauthError(c, 400, "invalid_grant", "Session not active");
      }
      await kv.expire(`idp:sso:${g.sid}`, sessionTtl * 1000);
      return c.json(await mintTokens(user, g));
    }

    return oauthError(
      c,
      400,
      "unsupported_grant_type",
      `Unsupported grant_type ${form.grant_type ?? ""}`,
    );
  });

  const userinfo = async (c: Context) => {
    const auth = c.req.header("authorization") ?? "";
    try {
      const id = await verifier.verify(auth.replace(/^Bearer\s+/i, ""));
      const user = await directory.bySub(id.sub);
      if (!user) throw new InvalidTokenError("unknown user");
      return c.json({ sub: user.sub, ...profileClaims(user) });
    } catch (e) {
      if (!(e instanceof InvalidTokenError)) throw e;
      c.header("WWW-Authenticate", 'Bearer error="invalid_token"');
      return oauthError(c, 401, "invalid_token", e.reason);
    }
  };
  app.get(`${r}/protocol/openid-connect/userinfo`, userinfo);
  app.post(`${r}/protocol/openid-connect/userinfo`, userinfo);

  const logout = async (c: Context) => {
    const params = c.req.method === "POST" ? await formFields(c) : c.req.query();
    // A plain GET (any link on any site) only asks; the session ends on the POST it leads to,
    // which a cross-site page cannot make with our SameSite=Lax cookie.
    if (c.req.method === "GET") {
      return c.html(logoutConfirmPage({ action: ep("logout"), fields: params }));
    }
    let sid = getCookie(c, SSO_COOKIE);
    if (params.refresh_token) {
      const key = `idp:rt:${await sha256Base64url(params.refresh_token)}`;
      const raw = await kv.get(key);
      if (raw) sid = (JSON.parse(raw) as RefreshGrant).sid;
      await kv.del(key);
    }
    if (sid) await kv.del(`idp:sso:${sid}`);
    deleteCookie(c, SSO_COOKIE, { path: base });
    const client = clients.get(params.client_id ?? "");
    const to = params.post_logout_redirect_uri;
    if (to && client && redirectAllowed(client, to)) {
      const u = new URL(to);
      if (params.state) u.searchParams.set("state", params.state);
      return c.redirect(u.toString(), 302);
    }
    return c.req.method === "POST" && params.refresh_token
      ? c.body(null, 204)
      : c.html(messagePage("Signed out", "You are signed out of CoLink."));
  };
  app.get(`${r}/protocol/openid-connect/logout`, logout);
  app.post(`${r}/protocol/openid-connect/logout`, logout);

  // Second-factor enrolment (Keycloak's account console does this for real deployments): start
  // with a bearer token, confirm with a first code; removing it also needs a current code.
  const bearerIdentity = async (c: Context) => {
    try {
      return await verifier.verify(
        (c.req.header("authorization") ?? "").replace(/^Bearer\s+/i, ""),
      );
    } catch (e) {
      if (e instanceof InvalidTokenError) return null;
      throw e;
    }
  };
  app.post(`${r}/account/totp`, async (c) => {
    const id = await bearerIdentity(c);
    if (!id) return oauthError(c, 401, "invalid_token", "a valid access token is required");
    const current = await directory.bySub(id.sub);
    const { code } = await c.req.json().catch(() => ({})) as { code?: string };
    if (current?.totp_secret && !totpValid(current.totp_secret, String(code ?? ""))) {
      // Replacing a second factor is as sensitive as removing it: a stolen token alone must not do it.
      return oauthError(
        c,
        400,
        "invalid_code",
        "a current code is required to replace the second factor",
      );
    }
    const secret = new OTPAuth.Secret({ size: 20 }).base32;
    await kv.set(`idp:totp-pending:${id.sub}`, secret, { ttlMs: 600_000 });
    return c.json({ secret, otpauth_uri: totpFor(secret, id.username).toString() });
  });
  app.post(`${r}/account/totp/confirm`, async (c) => {
    const id = await bearerIdentity(c);
    if (!id) return oauthError(c, 401, "invalid_token", "a valid access token is required");
    const pending = await kv.get(`idp:totp-pending:${id.sub}`);
    const { code } = await c.req.json().catch(() => ({})) as { code?: string };
    if (!pending || !totpValid(pending, String(code ?? ""))) {
      return oauthError(c, 400, "invalid_code", "wrong or expired code");
    }
    await directory.setTotp(id.sub, pending);
    await kv.del(`idp:totp-pending:${id.sub}`);
    return c.body(null, 204);
  });
  app.delete(`${r}/account/totp`, async (c) => {
    const id = await bearerIdentity(c);
    if (!id) return oauthError(c, 401, "invalid_token", "a valid access token is required");
    const user = await directory.bySub(id.sub);
    const { code } = await c.req.json().catch(() => ({})) as { code?: string };
    if (!user?.totp_secret || !totpValid(user.totp_secret, String(code ?? ""))) {
      return oauthError(
        c,
        400,
        "invalid_code",
        "a current code is required to remove the second factor",
      );
    }
    await directory.setTotp(id.sub, undefined);
    return c.body(null, 204);
  });

  return { app, keys, directory };
}
