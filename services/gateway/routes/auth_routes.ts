import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import {
  InvalidTokenError,
  type PrincipalResolver,
  timingSafeEqual,
  type TokenVerifier,
} from "@colink/auth";
import { ErrorBody } from "@colink/contracts";
import { commonErrors, HttpError, jsonContent, type Logger, unauthorized } from "@colink/http";
import { type KeyValue, randomSecret } from "@colink/platform";
import { type OidcClient, OidcError, pkceChallenge } from "../actions/oidc_client.ts";
import type { SessionStore } from "../actions/sessions.ts";

export interface AuthRouteDeps {
  oidc: OidcClient;
  sessions: SessionStore;
  kv: KeyValue;
  verifier: TokenVerifier;
  principals: PrincipalResolver;
  cookie: string;
  secureCookies: boolean;
  logger: Logger;
}

const LOGIN_COOKIE = "colink_login";

const SessionInfo = z.object({
  user: z.object({
    id: z.uuid(),
    username: z.string(),
    display_name: z.string().nullable(),
    email: z.string().nullable(),
    roles: z.array(z.string()),
  }),
  csrf_token: z.string(),
}).openapi("SessionInfo");

/**
 * Only same-site paths: an absolute or protocol-relative return_to would be an open redirect.
 * Control characters and whitespace are refused too: browsers drop tabs and newlines from URLs,
 * so "/\t/evil.example" would become "//evil.example".
 */
export const safeReturnTo = (p: string | undefined): string =>
  p && /^\/(?![/\\])/.test(p) && ![...p].some((ch) => ch <= " " || ch === "\x7f") ? p : "/";

const loginRoute = createRoute({
  method: "get",
  path: "/auth/login",
  tags: ["auth"],
  summary: "Start a browser sign-in (authorization code + PKCE at the identity provider)",
  request: { query: z.object({ return_to: z.string().max(2000).optional() }) },
  responses: { 302: { description: "Redirect to the identity provider" }, 429: commonErrors[429] },
});
const callbackRoute = createRoute({
  method: "get",
  path: "/auth/callback",
  tags: ["auth"],
  summary: "Where the identity provider sends the browser back",
  request: {
    query: z.object({
      code: z.string().optional(),
      state: z.string().optional(),
      error: z.string().optional(),
      error_description: z.string().optional(),
    }),
  },
  responses: {
    302: { description: "Signed in: session cookie set, redirect to return_to" },
    400: commonErrors[400],
    401: commonErrors[401],
  },
});
const sessionRoute = createRoute({
  method: "get",
  path: "/auth/session",
  tags: ["auth"],
  summary: "The browser session's user and CSRF token",
  responses: {
    200: jsonContent(SessionInfo, "The signed-in user"),
    401: commonErrors[401],
    403: jsonContent(ErrorBody, "The account is deactivated; the session has been ended"),
  },
});
const logoutRoute = createRoute({
  method: "post",
  path: "/auth/logout",
  tags: ["auth"],
  summary: "End the browser session here and at the identity provider (needs X-CSRF-Token)",
  responses: {
    204: { description: "Signed out" },
    403: jsonContent(ErrorBody, "X-CSRF-Token missing or wrong"),
  },
});

/** The backend-for-frontend sign-in: the browser never sees a token, only an HttpOnly cookie. */
export function authRoutes(d: AuthRouteDeps): OpenAPIHono {
  const app = new OpenAPIHono();
  const cookieOpts = {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    secure: d.secureCookies,
  } as const;

  app.openapi(loginRoute, async (c) => {
    const state = randomSecret(24), nonce = randomSecret(24), verifier = randomSecret(48);
    await d.kv.set(
      `bff:login:${state}`,
      JSON.stringify({ nonce, verifier, returnTo: safeReturnTo(c.req.valid("query").return_to) }),
      { ttlMs: 600_000 },
    );
    // Binds the login to this browser: a callback carrying someone else's state is refused.
    setCookie(c, LOGIN_COOKIE, state, { ...cookieOpts, path: "/auth/callback", maxAge: 600 });
    return c.redirect(
      await d.oidc.authorizationUrl({ state, nonce, codeChallenge: await pkceChallenge(verifier) }),
      302,
    );
  });

  app.openapi(callbackRoute, async (c) => {
    const q = c.req.valid("query");
    const bound = getCookie(c, LOGIN_COOKIE);
    deleteCookie(c, LOGIN_COOKIE, { path: "/auth/callback" });
    if (q.error) {
      throw new HttpError(401, "login_failed", `Sign-in failed: ${q.error_description ?? q.error}`);
    }
    if (!q.code || !q.state || !bound || !timingSafeEqual(q.state, bound)) {
      throw new HttpError(400, "invalid_login_state", "Unknown or foreign sign-in attempt");
    }
    const raw = await d.kv.get(`bff:login:${q.state}`);
    await d.kv.del(`bff:login:${q.state}`);
    if (!raw) {
      throw new HttpError(400, "invalid_login_state", "Sign-in attempt expired; start again");
    }
    const pending = JSON.parse(raw) as { nonce: string; verifier: string; returnTo: string };
    try {
      const tokens = await d.oidc.redeemCode(q.code, pending.verifier);
      if (!tokens.id_token) throw new OidcError(400, "invalid_id_token", "no ID token");
      await d.oidc.verifyIdToken(tokens.id_token, pending.nonce);
      const principal = await d.principals.resolve(await d.verifier.verify(tokens.access_token));
      // A new sign-in replaces whatever session this browser had (no session fixation, no
      // orphaned sessions that still hold tokens).
      const previous = getCookie(c, d.cookie);
      if (previous) await d.sessions.revoke(previous);
      const session = await d.sessions.create(principal.userId, tokens, c.req.header("user-agent"));
      setCookie(c, d.cookie, session.id, { ...cookieOpts, maxAge: session.ttlSec });
      return c.redirect(pending.returnTo, 302);
    } catch (e) {
      if (e instanceof OidcError || e instanceof InvalidTokenError) {
        d.logger.warn("sign-in callback refused", { error: e.message });
        throw new HttpError(
          401,
          "login_failed",
          "The identity provider did not confirm this sign-in",
        );
      }
      // A banned or deactivated account is a person, not an API client: back to the web client,
      // which says why, rather than a JSON error page. No session was made.
      if (
        e instanceof HttpError && (e.code === "account_banned" || e.code === "account_deactivated")
      ) {
        return c.redirect(`/?error=${e.code}`, 302);
      }
      throw e;
    }
  });

  app.openapi(sessionRoute, async (c) => {
    const id = getCookie(c, d.cookie);
    const session = id ? await d.sessions.get(id) : null;
    if (!session) throw unauthorized("No browser session");
    const identity = await d.verifier.verify(session.accessToken).catch((e) => {
      if (e instanceof InvalidTokenError) {
        throw unauthorized("The session's token is no longer valid");
      }
      throw e;
    });
    try {
      await d.principals.resolve(identity);
    } catch (e) {
      // A deactivated (or banned) account's browser session ends here, not at its expiry.
      if (e instanceof HttpError && e.status === 403) await d.sessions.revoke(session.id);
      throw e;
    }
    return c.json({
      user: {
        id: session.userId,
        username: identity.username,
        display_name: identity.name ?? null,
        email: identity.email ?? null,
        roles: identity.realmRoles,
      },
      csrf_token: session.csrfToken,
    }, 200);
  });

  // The edge middleware has already checked X-CSRF-Token for a live session.
  app.openapi(logoutRoute, async (c) => {
    const id = getCookie(c, d.cookie);
    if (id) await d.sessions.revoke(id);
    deleteCookie(c, d.cookie, { path: "/" });
    return c.body(null, 204);
  });

  return app;
}
