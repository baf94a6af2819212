import type { MiddlewareHandler } from "hono";

declare module "hono" {
  interface ContextVariableMap {
    requestId: string;
  }
}

const SAFE = /^[A-Za-z0-9._:-]{8,128}$/;

/** Takes a well-formed incoming X-Request-Id (set by the gateway) or makes one; echoes it back. */
export function requestId(): MiddlewareHandler {
  return async function requestIdMiddleware(c, next) {
    const incoming = c.req.header("x-request-id");
    const id = incoming && SAFE.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", id);
    await next();
    // After the handler, on whatever response it made: headers prepared before it would be lost
    // on a Response built by hand (a proxied one, a static file).
    try {
      c.res.headers.set("X-Request-Id", id);
    } catch { /* immutable headers (a WebSocket upgrade): nothing to add */ }
  };
}
