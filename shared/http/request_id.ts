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
    c.header("X-Request-Id", id);
    await next();
  };
}
