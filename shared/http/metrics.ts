import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

export interface HttpMetrics {
  registry: Registry;
  middleware: MiddlewareHandler;
}

/**
 * RED metrics per route (rate, errors, duration), labelled by the route pattern, never the raw
 * path, so ids do not explode cardinality. One registry per app: each service exposes its own.
 */
export function createHttpMetrics(service: string): HttpMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests handled, by route and status",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration in seconds, by route",
    labelNames: ["method", "route", "status"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return {
    registry,
    middleware: async function httpMetrics(c, next) {
      const start = performance.now();
      try {
        await next();
      } finally {
        // After next(), routePath is the handler that answered; a bare "*" means no route matched.
        const matched = routePath(c);
        const route = matched === "*" || matched === "/*" ? "(unmatched)" : matched;
        const labels = { method: c.req.method, route, status: String(c.res.status) };
        requests.inc(labels);
        duration.observe(labels, (performance.now() - start) / 1000);
      }
    },
  };
}
