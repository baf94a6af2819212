import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { timingSafeEqual } from "@colink/auth";
import { forbidden } from "@colink/http";
import type { RouteTable } from "@colink/runtime";
import type { SessionStore } from "../actions/sessions.ts";

declare module "hono" {
  interface ContextVariableMap {
    sessionId: string;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Turns the session cookie into the session's access token for the routes behind (the same
 * `requireAuth` then verifies it as if it came as a Bearer header). Cookie-authenticated unsafe
 * requests must echo the session's CSRF token in X-CSRF-Token; a cookie-authenticated WebSocket
 * upgrade must come from an allowed origin (cross-site WebSocket hijacking). Requests with a
 * Bearer token ignore the cookie entirely: API clients and bots need no CSRF token.
 */
export function browserSession(
  o: { sessions: SessionStore; cookie: string; origins: string[]; routes: RouteTable },
): MiddlewareHandler {
  return async function browserSessionMiddleware(c, next) {
    const id = getCookie(c, o.cookie);
    // Only paths declared "caller" or "session" act on the session: the IdP's pages, signed blob
    // URLs and the web client's files are not ours to guard with a CSRF token.
    const access = id ? o.routes.match(c.req.path)?.access : undefined;
    if (!id || c.req.header("authorization") || (access !== "caller" && access !== "session")) {
      return await next();
    }
    const session = await o.sessions.get(id);
    if (!session) return await next();
    const isUpgrade = c.req.header("upgrade")?.toLowerCase() === "websocket";
    if (isUpgrade && !o.origins.includes(c.req.header("origin") ?? "")) {
      throw forbidden(
        "origin_not_allowed",
        "WebSocket from a foreign origin with a session cookie",
      );
    }
    if (
      !SAFE_METHODS.has(c.req.method) &&
      !timingSafeEqual(c.req.header("x-csrf-token") ?? "", session.csrfToken)
    ) {
      throw forbidden(
        "csrf_failed",
        "Missing or wrong X-CSRF-Token for a cookie-authenticated request",
      );
    }
    c.set("sessionAccessToken", session.accessToken);
    c.set("sessionId", id);
    await next();
  };
}
