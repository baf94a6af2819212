import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";

/**
 * Security headers on every response. The API docs page (/docs) loads Swagger UI's script and
 * styles from its CDN, so it alone gets a CSP that allows them; everything else is 'self'.
 */
export function edgeHeaders(o: { production: boolean }): MiddlewareHandler {
  const common = {
    xFrameOptions: "DENY",
    referrerPolicy: "strict-origin-when-cross-origin",
    strictTransportSecurity: o.production ? "max-age=31536000; includeSubDomains" : false,
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: "same-origin",
    xXssProtection: false,
  } as const;
  const base = {
    defaultSrc: ["'self'"],
    imgSrc: ["'self'", "data:", "https:"],
    connectSrc: ["'self'"],
    fontSrc: ["'self'", "data:"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  };
  const strict = secureHeaders({
    ...common,
    contentSecurityPolicy: {
      ...base,
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
    },
  });
  const docs = secureHeaders({
    ...common,
    contentSecurityPolicy: {
      ...base,
      scriptSrc: ["'self'", "'unsafe-inline'", "https://cdn.jsdelivr.net"],
      styleSrc: ["'self'", "'unsafe-inline'", "https://cdn.jsdelivr.net"],
    },
  });
  return function edgeHeadersMiddleware(c, next) {
    return (c.req.path === "/docs" ? docs : strict)(c, next);
  };
}

/** CORS for the configured web origins only, with credentials (the session cookie). */
export function corsForWeb(origins: string[]): MiddlewareHandler {
  return cors({
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
}
