import type { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { PrincipalResolver, TokenVerifier } from "@colink/auth";
import type { Logger } from "@colink/http";
import type { Infra, Need } from "@colink/platform/wiring";

/** What a service's routes get: the ports it declared, and a logger. */
export interface ServiceDeps<N extends Need> {
  infra: Infra<N>;
  logger: Logger;
  /** Middleware that requires a valid access token and sets `principal`. */
  auth: MiddlewareHandler;
  verifier: TokenVerifier;
  principals: PrincipalResolver;
}

/**
 * A service as the runtime sees it: a name, the ports it needs, and its routes. The same
 * definition runs alone (its own main.ts, real adapters) or mounted with the others in the
 * embedded process; which adapters it gets is decided in wiring, never here.
 */
export interface ServiceDefinition<N extends Need = Need> {
  name: string;
  needs: readonly N[];
  /** Domain routes (under /api/v1/...). Called once per process; no I/O at definition time. */
  routes(deps: ServiceDeps<N>): OpenAPIHono;
}

export function defineService<N extends Need>(def: ServiceDefinition<N>): ServiceDefinition<N> {
  return def;
}
