import type { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { z } from "zod";
import type { PrincipalResolver, TokenVerifier } from "@colink/auth";
import type { Logger } from "@colink/http";
import type { Infra, InfraEnv, Need } from "@colink/platform/wiring";
import type { OwnedPath, RouteTable } from "./route_table.ts";

/** What a service's routes get: the ports it declared, its parsed config, auth, a logger. */
export interface ServiceDeps<N extends Need, C = unknown> {
  infra: Infra<N>;
  logger: Logger;
  /** The service's own settings, parsed once from the environment with its `config` schema. */
  config: C;
  /** The shared settings every process has (mode, public URL, ...). */
  env: InfraEnv;
  /** Middleware that requires a valid access token and sets `principal`. */
  auth: MiddlewareHandler;
  verifier: TokenVerifier;
  principals: PrincipalResolver;
  /** The OIDC issuer callers' tokens come from (Keycloak, or the embedded one). */
  oidc: { issuer: string; audience: string; discoveryUrl?: string };
  /** Who owns which path, across every service of the deployment (not only this process's). */
  routes: RouteTable;
  /**
   * Where the services that are not in this process listen (distributed mode), by service name,
   * from each one's `<NAME>_URL` setting; services whose setting is absent are missing here.
   */
  upstreams: Readonly<Record<string, string>>;
  /**
   * Tells this process's outbox relay that events were committed, so it publishes them now
   * instead of at its next poll (a no-op in processes without a relay).
   */
  eventsCommitted(): void;
}

/**
 * A service as the runtime sees it: a name, the ports it needs, its settings and its routes.
 * The same definition runs alone (its own main.ts, real adapters) or mounted with the others in
 * the embedded process; which adapters it gets is decided in wiring, never here.
 */
export interface ServiceDefinition<N extends Need = Need, C = unknown> {
  name: string;
  needs: readonly N[];
  /**
   * The paths it answers (see route_table.ts): the one place route ownership is written. The
   * gateway derives its proxy table, rate-limit classes and session scope from these.
   */
  paths?: readonly OwnedPath[];
  /** Its domain actions write to the outbox: the process runs the outbox relay. */
  publishesEvents?: boolean;
  /** zod schema of the service's own environment variables (defaults for every field). */
  config?: z.ZodType<C>;
  /** Middleware for every request of the process, before any route (the gateway's edge). */
  middleware?(deps: ServiceDeps<N, C>): MiddlewareHandler[];
  /** OpenAPI documents of other processes to merge into this one's (the distributed gateway). */
  upstreamDocs?(deps: ServiceDeps<N, C>): () => Promise<Record<string, unknown>[]>;
  /**
   * Housekeeping that runs while the process runs (pruning expired rows, ...). Started after the
   * routes are mounted; the returned function stops it and is awaited when the process stops.
   */
  background?(deps: ServiceDeps<N, C>): () => Promise<void>;
  /** Domain routes (under /api/v1/...). Called once per process; no I/O at definition time. */
  routes(deps: ServiceDeps<N, C>): OpenAPIHono;
}

export function defineService<N extends Need, C = unknown>(
  def: ServiceDefinition<N, C>,
): ServiceDefinition<N, C> {
  return def;
}
