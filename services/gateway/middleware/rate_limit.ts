import type { Context, MiddlewareHandler } from "hono";
import { getConnInfo } from "hono/deno";
import { requestToken, type TokenVerifier, verifyRequestToken } from "@colink/auth";
import { HttpError, type Logger } from "@colink/http";
import { createMemoryKeyValue, type KeyValue } from "@colink/platform";
import type { RouteTable } from "@colink/runtime";

export interface RateLimits {
  readsPerMin: number;
  writesPerMin: number;
  ipPerMin: number;
  loginPerMin: number;
}

interface Bucket {
  key: string;
  limit: number;
}

const WINDOW_MS = 60_000;
// Every service's operations endpoints (probes and scrapes must never be limited).
const UNMETERED = /^\/(health|ready|metrics)$/;

export function clientIp(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    // The right-most entry is the one our load balancer appended; earlier ones are whatever
    // the client claimed.
    const fwd = c.req.header("x-forwarded-for")?.split(",").at(-1)?.trim();
    if (fwd) return fwd;
  }
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // in-process requests (tests) have no socket
  }
}

/**
 * The seed's limits, per fixed one-minute window: every request counts against its IP (1000),
 * logins against a stricter per-IP budget (brute force), and authenticated API calls against
 * the caller's read (100) or write (20) budget. Headers describe the tightest bucket; 429 says
 * when to retry. The counters live in the KV store (Redis) so all gateway replicas share them.
 * If the store is unreachable the limiter keeps enforcing with per-replica in-memory counters
 * (each replica then allows the full budget) rather than failing open or refusing every request.
 */
export function rateLimit(o: {
  kv: KeyValue;
  /** Which paths are API calls (per caller) and which are sign-in steps (strict per IP). */
  routes: RouteTable;
  limits: RateLimits;
  verifier: TokenVerifier;
  trustProxy: boolean;
  logger: Logger;
  now?: () => number;
}): MiddlewareHandler {
  const now = o.now ?? Date.now;
  const fallback = createMemoryKeyValue(now);
  let degradedSince = 0;

  async function count(key: string): Promise<number> {
    try {
      const n = await o.kv.incr(key, { ttlMs: WINDOW_MS + 1_000 });
      if (degradedSince) {
        o.logger.info("rate limiter store is back", { degraded_ms: now() - degradedSince });
        degradedSince = 0;
      }
      return n;
    } catch (e) {
      if (!degradedSince) {
        degradedSince = now();
        o.logger.warn("rate limiter store unreachable; limiting per replica in memory", { err: e });
      }
      return await fallback.incr(key, { ttlMs: WINDOW_MS + 1_000 });
    }
  }

  async function callerSub(c: Context): Promise<string | undefined> {
    const token = requestToken(c);
    if (!token) return undefined;
    try {
      return (await verifyRequestToken(c, o.verifier, token)).sub;
    } catch {
      return undefined; // the route will answer 401; meter it by IP only
    }
  }

  return async function rateLimitMiddleware(c, next) {
    const path = c.req.path;
    if (UNMETERED.test(path)) return await next();
    const window = Math.floor(now() / WINDOW_MS);
    const ip = clientIp(c, o.trustProxy);
    const buckets: Bucket[] = [{ key: `ratelimit:ip:${ip}:${window}`, limit: o.limits.ipPerMin }];
    const route = o.routes.match(path);
    if (route?.signIn) {
      buckets.push({ key: `ratelimit:login:${ip}:${window}`, limit: o.limits.loginPerMin });
    }
    if (route?.access === "caller") {
      const sub = await callerSub(c);
      const read = c.req.method === "GET" || c.req.method === "HEAD";
      if (sub) {
        buckets.push(
          read
            ? { key: `ratelimit:${sub}:read:${window}`, limit: o.limits.readsPerMin }
            : { key: `ratelimit:${sub}:write:${window}`, limit: o.limits.writesPerMin },
        );
      }
    }
    const counts = await Promise.all(buckets.map((b) => count(b.key)));
    const resetSec = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now()) / 1000));
    let tightest = 0;
    counts.forEach((n, i) => {
      if (buckets[i]!.limit - n < buckets[tightest]!.limit - counts[tightest]!) tightest = i;
    });
    const limit = buckets[tightest]!.limit;
    const remaining = Math.max(0, limit - counts[tightest]!);
    const headers = {
      "X-RateLimit-Limit": String(limit),
      "X-RateLimit-Remaining": String(remaining),
      "X-RateLimit-Reset": String(resetSec),
    };
    if (counts.some((n, i) => n > buckets[i]!.limit)) {
      throw new HttpError(
        429,
        "rate_limited",
        `Too many requests; retry in ${resetSec} s`,
        undefined,
        {
          ...headers,
          "Retry-After": String(resetSec),
        },
      );
    }
    await next();
    try {
      for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
    } catch { /* immutable headers (a WebSocket upgrade): nothing to add */ }
  };
}
