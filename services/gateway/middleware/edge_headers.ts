import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";

/**
 * Security headers on every response: everything is served from 'self', except that browsers
 * upload files straight to the object store and show previews from it (`storeOrigin`, in
 * distributed mode).
 */
export function edgeHeaders(o: { production: boolean; storeOrigin?: string }): MiddlewareHandler {
  const store = o.storeOrigin ? [o.storeOrigin] : [];
  return secureHeaders({
    xFrameOptions: "DENY",
    referrerPolicy: "strict-origin-when-cross-origin",
    strictTransportSecurity: o.production ? "max-age=31536000; includeSubDomains" : false,
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: "same-origin",
    xXssProtection: false,
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", "data:", "https:", ...store],
      connectSrc: ["'self'", ...store],
      fontSrc: ["'self'", "data:"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  });
}

/**
 * CORS for the configured web origins only, with credentials (the session cookie). Requests
 * without an Origin header (API clients, bots, same-origin GETs) need no CORS headers and skip
 * the library: it touches the response before the handler runs, which makes Hono copy every
 * response (about a third of a cached API call's time). They still get `Vary: Origin`.
 */
export function corsForWeb(origins: string[]): MiddlewareHandler {
  const withOrigin = cors({
    origin: (origin) => (origins.includes(origin) ? origin : null),
    credentials: true,
    allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: [
      "Authorization",
      "Content-Type",
      "X-CSRF-Token",
      "Idempotency-Key",
      "X-Request-Id",
    ],
    exposeHeaders: [
      "X-Request-Id",
      "X-RateLimit-Limit",
      "X-RateLimit-Remaining",
      "X-RateLimit-Reset",
      "Retry-After",
    ],
    maxAge: 600,
  });
  return async function corsMiddleware(c, next) {
    if (c.req.header("origin") !== undefined) return await withOrigin(c, next);
    await next();
    try {
      c.res.headers.append("Vary", "Origin");
    } catch { /* immutable headers (a WebSocket upgrade): nothing to add */ }
  };
}
