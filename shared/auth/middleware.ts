import type { MiddlewareHandler } from "hono";
import { HttpError } from "@colink/http";
import type { Principal, PrincipalResolver } from "./principal.ts";
import { InvalidTokenError, type TokenVerifier } from "./verifier.ts";

declare module "hono" {
  interface ContextVariableMap {
    principal: Principal;
    /** Set by the gateway for requests authenticated by its session cookie. */
    sessionAccessToken: string;
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

/** Requires a valid access token; sets `principal` for handlers. Every /api route uses it. */
export function requireAuth(o: AuthOptions): MiddlewareHandler {
  return async function authenticate(c, next) {
    const token = bearerToken(c.req.header("authorization")) ?? c.get("sessionAccessToken");
    if (!token) throw invalid("");
    try {
      c.set("principal", await o.principals.resolve(await o.verifier.verify(token)));
    } catch (e) {
      if (e instanceof InvalidTokenError) throw invalid(e.reason);
      throw e;
    }
    await next();
  };
}
