import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";
import { DependencyUnavailableError, type ErrorBody } from "@colink/contracts";
import { type FieldIssue, HttpError } from "./errors.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createHttpMetrics } from "./metrics.ts";
import { jsonContent } from "./openapi.ts";
import { requestId } from "./request_id.ts";

const Health = z.object({ status: z.literal("ok"), service: z.string() }).openapi("Health");
const Readiness = z.object({
  status: z.enum(["ready", "not_ready"]),
  service: z.string(),
  checks: z.record(
    z.string(),
    z.object({
      status: z.enum(["ok", "down"]),
      /** Why, without internals: "timeout" or "unreachable" (details are in the service log). */
      error: z.enum(["timeout", "unreachable"]).optional(),
    }),
  ),
}).openapi("Readiness");
const readyRoute = createRoute({
  method: "get",
  path: "/ready",
  tags: ["operations"],
  summary: "Readiness: every dependency answers",
  responses: {
    200: jsonContent(Readiness, "Every dependency answered"),
    503: jsonContent(Readiness, "A dependency did not answer"),
  },
});
const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["operations"],
  summary: "Prometheus metrics (text exposition format)",
  responses: {
    200: { description: "Prometheus text", content: { "text/plain": { schema: z.string() } } },
  },
});

class ReadyTimeout extends Error {}
const timedOut = (e: unknown) => e instanceof ReadyTimeout;

/** A dependency probe for /ready: resolves when the dependency answers, throws otherwise. */
export type ReadinessCheck = () => Promise<unknown>;

export interface ServiceAppOptions {
  /** Service name: a metrics label, a log field, and the /health answer. */
  name: string;
  checks?: Record<string, ReadinessCheck>;
  logger?: Logger;
  /** Per-check timeout for /ready. */
  readyTimeoutMs?: number;
  /** Runs for every request, after request id and metrics, before any route. */
  middleware?: MiddlewareHandler[];
  /** Other OpenAPI documents to merge into /openapi.json (the gateway's upstream services). */
  extraDocs?: () => Promise<OpenApiDocument[]>;
}

type OpenApiDocument = {
  paths?: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown>>;
};

/** Paths and components of `extra` documents added to `base`; the base wins on a clash. */
export function mergeOpenApi<T extends OpenApiDocument>(base: T, extra: OpenApiDocument[]): T {
  const out = structuredClone(base);
  out.paths ??= {};
  out.components ??= {};
  for (const doc of extra) {
    for (const [path, ops] of Object.entries(doc.paths ?? {})) {
      out.paths[path] = { ...ops, ...out.paths[path] };
    }
    for (const [kind, items] of Object.entries(doc.components ?? {})) {
      out.components[kind] = { ...items, ...out.components[kind] };
    }
  }
  return out;
}

export type ServiceApp = OpenAPIHono;

const zodIssues = (e: ZodError): FieldIssue[] =>
  e.issues.map((i) => ({ path: i.path.join(".") || "(body)", message: i.message }));

/** Renders the one error shape of shared/API.md. */
function errorBody(
  requestId: string,
  code: string,
  message: string,
  details?: FieldIssue[],
): ErrorBody {
  return {
    error: { code, message, request_id: requestId, ...(details?.length ? { details } : {}) },
  };
}

/**
 * Builds a service's Hono app with what every CoLink service answers the same way: request id,
 * RED metrics at /metrics, /health (liveness), /ready (dependencies), the JSON error shape for
 * every failure (thrown HttpError, invalid input, unknown route, crash), and zod-validated
 * OpenAPI routes whose validation errors are 400s with field details.
 */
export function createServiceApp(opts: ServiceAppOptions): ServiceApp {
  const log = opts.logger ?? createLogger(opts.name);
  const metrics = createHttpMetrics(opts.name);
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        return c.json(
          errorBody(
            c.get("requestId"),
            "invalid_request",
            "Request validation failed",
            zodIssues(result.error),
          ),
          400,
        );
      }
    },
  });

  app.use("*", requestId());
  app.use("*", metrics.middleware);
  for (const m of opts.middleware ?? []) app.use("*", m);

  app.onError((err, c) => {
    const id = c.get("requestId") ?? crypto.randomUUID();
    if (err instanceof HttpError) {
      for (const [k, v] of Object.entries(err.headers ?? {})) c.header(k, v);
      return c.json(errorBody(id, err.code, err.message, err.details), err.status);
    }
    if (err instanceof ZodError) {
      return c.json(
        errorBody(id, "invalid_request", "Request validation failed", zodIssues(err)),
        400,
      );
    }
    if (err instanceof DependencyUnavailableError) {
      log.warn("dependency unavailable", {
        request_id: id,
        dependency: err.dependency,
        path: c.req.path,
        err,
      });
      c.header("Retry-After", "5");
      return c.json(
        errorBody(id, "dependency_unavailable", `The ${err.dependency} is temporarily unavailable`),
        503,
      );
    }
    const status = (err as { status?: number }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      // Hono's own HTTPExceptions (e.g. a malformed JSON body): the caller's fault, say so.
      return c.json(errorBody(id, "invalid_request", err.message), status as ContentfulStatusCode);
    }
    log.error("unhandled error", { request_id: id, method: c.req.method, path: c.req.path, err });
    return c.json(errorBody(id, "internal_error", "Something went wrong on our side"), 500);
  });

  app.notFound((c) =>
    c.json(
      errorBody(
        c.get("requestId"),
        "route_not_found",
        `No route for ${c.req.method} ${c.req.path}`,
      ),
      404,
    )
  );

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "An access token from the OIDC issuer (Keycloak, or the embedded issuer in dev)",
  });
  const docConfig = {
    openapi: "3.1.0",
    info: {
      title: opts.name === "colink" ? "CoLink API" : `CoLink API (${opts.name} service)`,
      version: "1.0.0",
      description:
        "The public contract is shared/API.md; this document is generated from the route definitions.",
    },
  };
  app.get("/openapi.json", async (c) => {
    const own = app.getOpenAPI31Document(docConfig);
    return c.json(
      opts.extraDocs ? mergeOpenApi(own as OpenApiDocument, await opts.extraDocs()) : own,
    );
  });

  app.openapi(
    createRoute({
      method: "get",
      path: "/health",
      tags: ["operations"],
      summary: "Liveness",
      responses: { 200: jsonContent(Health, "The process is up") },
    }),
    (c) => c.json({ status: "ok" as const, service: opts.name }, 200),
  );

  app.openapi(readyRoute, async (c) => {
    const timeout = opts.readyTimeoutMs ?? 2_000;
    const entries = await Promise.all(
      Object.entries(opts.checks ?? {}).map(async ([name, check]) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          await Promise.race([
            check(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new ReadyTimeout()), timeout);
            }),
          ]);
          return [name, { status: "ok" }] as const;
        } catch (e) {
          // Driver messages name hosts, ports and internals: they go to the log, not the caller.
          log.warn("readiness check failed", { check: name, err: e });
          return [name, {
            status: "down",
            error: timedOut(e) ? "timeout" : "unreachable",
          }] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const ready = entries.every(([, r]) => r.status === "ok");
    return c.json(
      {
        status: ready ? "ready" : "not_ready",
        service: opts.name,
        checks: Object.fromEntries(entries),
      },
      ready ? 200 : 503,
    );
  });

  app.openapi(metricsRoute, async (c) => {
    const text = await metrics.registry.metrics();
    return c.text(text, 200, { "Content-Type": metrics.registry.contentType });
  });

  return app;
}
