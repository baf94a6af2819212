import type { Context, MiddlewareHandler } from "hono";
import { HttpError } from "@colink/http";
import type { Principal, PrincipalResolver } from "./principal.ts";
import { type Identity, InvalidTokenError, type TokenVerifier } from "./verifier.ts";

declare module "hono" {
  interface ContextVariableMap {
    principal: Principal;
    /** Set by the gateway for requests authenticated by its session cookie. */
    sessionAccessToken: string;
    /** The request's Bearer token (null: none), parsed once. */
    bearerToken: string | null;
    /** The verification of this request's token, so the edge and the route share one. */
    verifiedToken: { token: string; result: Promise<Identity> };
  }
}

export interface AuthOptions {
  verifier: TokenVerifier;
  principals: PrincipalResolver;
}

const invalid = (reason: string) =>
  new HttpError(401, "unauthorized", "Missing or invalid credentials", undefined, {
    "WWW-Authenticate": reason
      ? `Bearer realm="colink", error="invalid_token"`
      : `Bearer realm="colink"`,
  });

/** Extracts a bearer token; a malformed Authorization header counts as no credentials at all. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(header ?? "");
  return m?.[1];
}

/** The caller's token: a Bearer header, or the gateway's session cookie turned into one. */
export function requestToken(c: Context): string | undefined {
  // Parsed once per request: the rate limiter and the route both ask.
  let bearer = c.get("bearerToken");
  if (bearer === undefined) {
    c.set("bearerToken", bearer = bearerToken(c.req.header("authorization")) ?? null);
  }
  return bearer ?? c.get("sessionAccessToken");
}

/** Verifies the request's token once per request, however many middlewares ask. */
export function verifyRequestToken(
  c: Context,
  verifier: TokenVerifier,
  token: string,
): Promise<Identity> {
  const done = c.get("verifiedToken");
  if (done?.token === token) return done.result;
  const result = verifier.verify(token);
  c.set("verifiedToken", { token, result });
  return result;
}

/** Requires a valid access token; sets `principal` for handlers. Every /api route uses it. */
export function requireAuth(o: AuthOptions): MiddlewareHandler {
  return async function authenticate(c, next) {
    // Several services' prefixes can cover one path in the embedded process: verify once.
    if (c.get("principal")) return await next();
    const token = requestToken(c);
    if (!token) throw invalid("");
    try {
      c.set(
        "principal",
        await o.principals.resolve(await verifyRequestToken(c, o.verifier, token)),
      );
    } catch (e) {
      if (e instanceof InvalidTokenError) throw invalid(e.reason);
      throw e;
    }
    await next();
  };
}
