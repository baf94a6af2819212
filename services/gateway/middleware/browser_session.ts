import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { forbidden } from "@colink/http";
import type { SessionStore } from "../actions/sessions.ts";

declare module "hono" {
  interface ContextVariableMap {
    sessionId: string;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function sameBytes(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Turns the session cookie into the session's access token for the routes behind (the same
 * `requireAuth` then verifies it as if it came as a Bearer header). Cookie-authenticated unsafe
 * requests must echo the session's CSRF token in X-CSRF-Token; a cookie-authenticated WebSocket
 * upgrade must come from an allowed origin (cross-site WebSocket hijacking). Requests with a
 * Bearer token ignore the cookie entirely: API clients and bots need no CSRF token.
 */
export function browserSession(
  o: { sessions: SessionStore; cookie: string; origins: string[] },
): MiddlewareHandler {
  return async function browserSessionMiddleware(c, next) {
    const id = getCookie(c, o.cookie);
    if (!id || c.req.header("authorization")) return await next();
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
      !sameBytes(c.req.header("x-csrf-token") ?? "", session.csrfToken)
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
