import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import { ConfigError, parseConfig, port } from "@colink/config";
import { colinkMigrations } from "@colink/db";
import {
  createLogger,
  createServiceApp,
  type Logger,
  type LogLevel,
  type ServiceApp,
} from "@colink/http";
import { createOutboxRelay, migrate, type OutboxRelay, STREAM_DOORBELL } from "@colink/platform";
import { createInfra, type Infra, InfraEnv, type Need } from "@colink/platform/wiring";
import {
  cachingVerifier,
  createPrincipalResolver,
  createTokenVerifier,
  type PrincipalResolver,
  remoteKeys,
  requireAuth,
} from "@colink/auth";
import {
  createEmbeddedIssuer,
  devClients,
  type EmbeddedIssuer,
  seedDevIdentities,
} from "@colink/auth/issuer";
import type { JWTVerifyGetKey } from "jose";
import {
  createRouteTable,
  type OwnedPath,
  remoteServices,
  type RouteTable,
  upstreamEnvVar,
} from "./route_table.ts";
import type { ServiceDefinition } from "./service.ts";

/** Paths the runtime itself serves in embedded mode: the OIDC issuer and the blob store. */
const ISSUER_PATHS: OwnedPath[] = [
  { prefix: "/realms", access: "anonymous" },
  { prefix: "/realms/*/protocol/openid-connect/token", access: "anonymous", signIn: true },
  { prefix: "/realms/*/protocol/openid-connect/auth/login", access: "anonymous", signIn: true },
];
const BLOB_PATHS: OwnedPath[] = [{ prefix: "/blobs", access: "anonymous" }];

/**
 * Where the registry's services that this process does not run listen, from `<NAME>_URL`; the
 * names of those whose setting is absent (their paths answer 404) in `unset`.
 */
function upstreamUrls(
  registry: readonly ServiceDefinition[],
  local: readonly ServiceDefinition[],
  rawEnv: Record<string, string | undefined>,
): { urls: Record<string, string>; unset: string[] } {
  const remote = remoteServices(registry, local);
  const vars = remote.map((s) => upstreamEnvVar(s.name));
  const schema = z.object(Object.fromEntries(vars.map((v) => [v, z.url().optional()])));
  const parsed = parseConfig(schema, rawEnv) as Record<string, string | undefined>;
  const urls: Record<string, string> = {};
  const unset: string[] = [];
  remote.forEach((s, i) => {
    const url = parsed[vars[i]!];
    if (url) urls[s.name] = url;
    else unset.push(vars[i]!);
  });
  return { urls, unset };
}

export const RuntimeEnv = InfraEnv.extend({
  /** Keycloak realm URL in distributed mode; embedded mode runs its own issuer at PUBLIC_URL. */
  OIDC_ISSUER: z.url().optional(),
  /** Where this process fetches the issuer's discovery document when the public issuer URL is
   *  not reachable from inside the network (containers); tokens still must carry OIDC_ISSUER. */
  OIDC_DISCOVERY_URL: z.url().optional(),
  OIDC_AUDIENCE: z.string().default("colink-api"),
  OIDC_CLOCK_SKEW_SEC: z.coerce.number().int().min(0).max(300).default(30),
  /** Access-token lifetime of the embedded issuer (Keycloak's default: 5 minutes). */
  EMBEDDED_ISSUER_ACCESS_TTL_SEC: z.coerce.number().int().min(10).max(86_400).default(300),
  PORT: port.default(8000),
  HOST: z.string().default("0.0.0.0"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  MIGRATE_ON_START: z.enum(["true", "false"]).default("true").transform((v) => v === "true"),
  /**
   * How long published events are kept: clients away up to this long resume exactly; later they
   * get resync_required (default 7 days).
   */
  EVENT_RETENTION_HOURS: z.coerce.number().positive().default(7 * 24),
});
export type RuntimeEnv = z.infer<typeof RuntimeEnv>;

export interface Process {
  app: ServiceApp;
  /** The embedded OIDC issuer, in embedded mode. */
  issuer?: EmbeddedIssuer;
  infra: Infra<Need>;
  relay?: OutboxRelay;
  logger: Logger;
  principals: PrincipalResolver;
  routes: RouteTable;
  /**
   * Stops the services' background work first (the realtime gateway closes its sockets with
   * 1012 so clients resume elsewhere): call before shutting the HTTP server down, which waits
   * for open connections. Idempotent; stop() calls it too.
   */
  drain(): Promise<void>;
  /** Stops the relay and closes every adapter. */
  stop(): Promise<void>;
}

/**
 * Where tokens come from: Keycloak (OIDC_ISSUER) in distributed mode, or the embedded issuer,
 * served by this process at PUBLIC_URL/realms/colink, in embedded mode.
 */
async function identityProvider(
  env: RuntimeEnv,
  infra: Infra<Need>,
): Promise<{ issuer?: EmbeddedIssuer; issuerUrl: string; keys?: JWTVerifyGetKey }> {
  // An explicit OIDC_ISSUER wins in either mode (e.g. dev on embedded adapters against Keycloak).
  if (env.OIDC_ISSUER) {
    return {
      issuerUrl: env.OIDC_ISSUER,
      keys: remoteKeys(env.OIDC_ISSUER, env.OIDC_DISCOVERY_URL),
    };
  }
  const issuerUrl = `${env.PUBLIC_URL.replace(/\/$/, "")}/realms/colink`;
  const issuer = createEmbeddedIssuer({
    issuerUrl,
    env: env.COLINK_ENV,
    docs: infra.docs!,
    kv: infra.kv!,
    clients: devClients(env.PUBLIC_URL),
    accessTokenTtlSec: env.EMBEDDED_ISSUER_ACCESS_TTL_SEC,
  });
  if (env.COLINK_ENV === "development") await seedDevIdentities(issuer);
  return { issuer, issuerUrl, keys: issuer.keys.verificationKeys() };
}

/**
 * Builds one process from one or more service definitions: constructs the union of their
 * ports, migrates the database, starts the outbox relay when the process has both SQL and the
 * bus, and mounts every service's routes on one app with the shared ops endpoints.
 */
export async function assemble(
  name: string,
  services: readonly ServiceDefinition[],
  env: RuntimeEnv,
  opts: {
    logger?: Logger;
    beforeRoutes?: (infra: Infra<Need>) => Promise<void>;
    /** The raw environment, for services' own config schemas. */
    rawEnv?: Record<string, string | undefined>;
    /** Every service of the deployment (route ownership); default: the ones in this process. */
    registry?: readonly ServiceDefinition[];
  } = {},
): Promise<Process> {
  const logger = opts.logger ?? createLogger(name, env.LOG_LEVEL as LogLevel);
  const embedded = env.COLINK_MODE === "embedded";
  // Every process authenticates callers (SQL for principals, pub/sub for their invalidation,
  // KV for sessions and limits); embedded mode also hosts the issuer (document store and KV).
  const base: Need[] = embedded ? ["sql", "kv", "pubsub", "docs"] : ["sql", "kv", "pubsub"];
  const needs = [...new Set<Need>([...services.flatMap((s) => s.needs), ...base])];
  if (!embedded && !env.OIDC_ISSUER) {
    throw new ConfigError([{ name: "OIDC_ISSUER", message: "required in distributed mode" }]);
  }
  const infra = await createInfra(env, needs, `colink-${name}`);
  let principals: PrincipalResolver | undefined;
  try {
    if (env.MIGRATE_ON_START) {
      const result = await migrate(infra.sql!, await colinkMigrations());
      if (result.applied.length) logger.info("migrations applied", { applied: result.applied });
    }
    await opts.beforeRoutes?.(infra);
    const { issuer, issuerUrl, keys } = await identityProvider(env, infra);
    // Every request presents a token: each distinct one is verified once, then remembered
    // until it expires (the principal step still runs, so deactivation is not cached away).
    const verifier = cachingVerifier(createTokenVerifier({
      issuer: issuerUrl,
      audience: env.OIDC_AUDIENCE,
      keys,
      clockSkewSec: env.OIDC_CLOCK_SKEW_SEC,
    }));
    const resolver = await createPrincipalResolver({
      sql: infra.sql!,
      pubsub: infra.pubsub!,
      onError: (message, err) => logger.warn(message, { err }),
    });
    principals = resolver;
    const auth = requireAuth({ verifier, principals: resolver });
    const registry = opts.registry ?? services;
    const routes = createRouteTable([
      ...registry,
      ...(issuer ? [{ name: "issuer", paths: ISSUER_PATHS }] : []),
      ...(infra.fsBlobs ? [{ name: "blobs", paths: BLOB_PATHS }] : []),
    ]);
    let upstreams: Record<string, string> = {};
    if (!embedded) {
      const found = upstreamUrls(registry, services, opts.rawEnv ?? {});
      if (found.unset.length) {
        logger.warn("no upstream configured for some services: their paths answer 404", {
          settings: found.unset,
        });
      }
      upstreams = found.urls;
    }
    let relay: OutboxRelay | undefined;
    const eventsCommitted = () => relay?.kick();
    const deps = services.map((s) => ({
      infra,
      logger,
      env,
      config: s.config
        ? parseConfig(s.config as unknown as z.ZodObject, opts.rawEnv ?? {})
        : undefined,
      auth,
      verifier,
      principals: resolver,
      oidc: {
        issuer: issuerUrl,
        audience: env.OIDC_AUDIENCE,
        discoveryUrl: env.OIDC_DISCOVERY_URL,
      },
      routes,
      upstreams,
      eventsCommitted,
    }));
    // The gateway's edge (headers, CORS, sessions, rate limits) runs before every route,
    // the ops endpoints and the issuer's pages included.
    const edge = services.flatMap((s, i) => s.middleware?.(deps[i]!) ?? []);
    const docSources = services.flatMap((s, i) => s.upstreamDocs ? [s.upstreamDocs(deps[i]!)] : []);
    const app = createServiceApp({
      name,
      checks: infra.checks,
      logger,
      middleware: edge,
      extraDocs: docSources.length
        ? async () => (await Promise.all(docSources.map((f) => f()))).flat()
        : undefined,
    });
    if (infra.fsBlobs) {
      const blobs = infra.fsBlobs;
      app.on(["GET", "PUT"], "/blobs/*", (c) => blobs.handle(c.req.raw));
    }
    if (issuer) app.route("/", issuer.app);
    services.forEach((s, i) => app.route("/", s.routes(deps[i]!)));
    // Only processes that write events relay them (in embedded mode the one process has every
    // service, publishers included); relays take turns under an advisory lock.
    if (infra.bus && services.some((s) => s.publishesEvents)) {
      relay = createOutboxRelay({
        sql: infra.sql!,
        bus: infra.bus,
        retentionMs: env.EVENT_RETENTION_HOURS * 3600_000,
        onError: (e) => logger.error("outbox relay failed; retrying", { err: e }),
        // Realtime gateways read new positions when this rings (and poll in case it does not).
        onAdvance: (head) => {
          infra.pubsub!.publish(STREAM_DOORBELL, String(head)).catch(() => {});
        },
      });
      relay.start();
    }
    const stopBackground = services.flatMap((s, i) => s.background ? [s.background(deps[i]!)] : []);
    let drained: Promise<void> | undefined;
    const drain = () =>
      drained ??= Promise.all(stopBackground.map((stop) => stop())).then(() => {});
    return {
      app,
      issuer,
      infra,
      relay,
      logger,
      principals: resolver,
      routes,
      drain,
      async stop() {
        await drain();
        await relay?.stop();
        await principals?.close();
        await infra.close();
      },
    };
  } catch (e) {
    await principals?.close();
    await infra.close();
    throw e;
  }
}

/** What one process runs: its name (metrics, logs), its services, and optional extras. */
export interface ProcessPlan {
  name: string;
  services: readonly ServiceDefinition[];
  /**
   * The web client's handler (services/gateway/main.ts builds it from web/serve.ts), mounted after
   * every API route; it is handed the test for paths a service owns, which it must leave alone.
   */
  web?: (isApi: (path: string) => boolean) => MiddlewareHandler;
  /** Runs after migrations, before routes are mounted (e.g. seeding dev data). */
  beforeRoutes?: (infra: Infra<Need>) => Promise<void>;
  /** Every service of the deployment, for route ownership (default: `services`). */
  registry?: readonly ServiceDefinition[];
}

function exitOnConfigError(name: string, e: unknown): never {
  if (e instanceof ConfigError) {
    console.error(`[${name}] ${e.message}`);
    Deno.exit(78); // EX_CONFIG
  }
  throw e;
}

/**
 * main.ts of every service: parse the environment once, plan, assemble, serve, and shut down
 * cleanly on SIGINT/SIGTERM (stop accepting, finish in-flight requests, close adapters).
 */
export async function serve(
  plan: ProcessPlan | ((env: RuntimeEnv) => ProcessPlan),
  rawEnv: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<void> {
  const startedAt = performance.now();
  let env: RuntimeEnv;
  try {
    env = parseConfig(RuntimeEnv, rawEnv);
  } catch (e) {
    exitOnConfigError("colink", e);
  }
  const p = typeof plan === "function" ? plan(env) : plan;
  let proc: Process;
  try {
    proc = await assemble(p.name, p.services, env, {
      beforeRoutes: p.beforeRoutes,
      rawEnv,
      registry: p.registry,
    });
  } catch (e) {
    exitOnConfigError(p.name, e);
  }
  if (p.web) {
    // Client-side routes fall back to index.html; paths a service owns keep their JSON 404s.
    proc.app.use("/*", p.web((path) => proc.routes.match(path) !== undefined));
  }
  const server = Deno.serve(
    {
      port: env.PORT,
      hostname: env.HOST,
      onListen: ({ hostname, port }) =>
        proc.logger.info("listening", {
          url: `http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}`,
          mode: env.COLINK_MODE,
          startup_ms: Math.round(performance.now() - startedAt),
        }),
    },
    proc.app.fetch,
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    proc.logger.info("shutting down", { signal });
    await proc.drain();
    await server.shutdown();
    await proc.stop();
    proc.logger.info("stopped");
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
  await server.finished;
}
