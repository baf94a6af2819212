import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type {} from "@colink/auth"; // the sessionAccessToken context variable
import { HttpError, type Logger } from "@colink/http";
import type { RouteTable } from "@colink/runtime";

// Hop-by-hop headers (RFC 9110 §7.6.1) and what the gateway sets itself.
const HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "cookie",
  "content-length",
]);

function forwardHeaders(c: Context, token: string | undefined, clientIp: string): Headers {
  const out = new Headers();
  // Headers named in Connection are hop-by-hop too; client-supplied forwarding headers are
  // replaced by what the gateway saw.
  const named = new Set(
    (c.req.header("connection") ?? "").split(",").map((h) => h.trim().toLowerCase()).filter(
      Boolean,
    ),
  );
  for (const [k, v] of c.req.raw.headers) {
    if (!HOP.has(k) && !named.has(k) && k !== "forwarded" && !k.startsWith("x-forwarded-")) {
      out.set(k, v);
    }
  }
  out.set("x-forwarded-for", clientIp);
  out.set("x-request-id", c.get("requestId"));
  if (token) out.set("authorization", `Bearer ${token}`);
  const url = new URL(c.req.url);
  out.set("x-forwarded-host", url.host);
  out.set("x-forwarded-proto", url.protocol.replace(":", ""));
  return out;
}

/**
 * Distributed mode: the gateway routes each request to the service that owns its path (the
 * route table every service declares), streaming bodies both ways, propagating X-Request-Id and
 * traceparent, and forwarding the caller's access token (a browser session's token for cookie
 * requests). Services do not trust the gateway: each verifies the token itself against the
 * issuer's keys, so a request that reaches a service's port directly, bypassing the gateway, is
 * authenticated exactly the same way. WebSocket upgrades are bridged to the owner's socket.
 */
export function proxyRoutes(
  o: {
    routes: RouteTable;
    /** Service name → base URL, for the services this process does not run. */
    upstreams: Readonly<Record<string, string>>;
    logger: Logger;
    /** The caller's address as the gateway determined it (see rate_limit.ts clientIp). */
    clientIp: (c: Context) => string;
    timeoutMs?: number;
  },
): OpenAPIHono {
  const app = new OpenAPIHono();
  const timeoutMs = o.timeoutMs ?? 30_000;

  async function forward(c: Context, name: string, base: string): Promise<Response> {
    const path = c.req.path;
    // Never `new URL(path, base)`: a path starting with "//" would name another host.
    const target = new URL(base);
    target.pathname = path;
    target.search = new URL(c.req.url).search;
    const hasBody = !["GET", "HEAD"].includes(c.req.method);
    let res: Response;
    try {
      res = await fetch(target, {
        method: c.req.method,
        headers: forwardHeaders(c, c.get("sessionAccessToken"), o.clientIp(c)),
        body: hasBody ? c.req.raw.body : undefined,
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
        // @ts-ignore: Deno streams request bodies when given a ReadableStream
        duplex: "half",
      });
    } catch (e) {
      const timedOut = e instanceof DOMException && e.name === "TimeoutError";
      o.logger.warn("upstream failed", { upstream: name, path, err: e });
      throw new HttpError(
        timedOut ? 504 : 502,
        timedOut ? "upstream_timeout" : "upstream_unavailable",
        `The ${name} service is not answering`,
      );
    }
    const headers = new Headers();
    for (const [k, v] of res.headers) if (!HOP.has(k) && k !== "x-request-id") headers.append(k, v);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  }

  // The browser's socket is bridged to the owning service's; a cookie session's token rides on
  // the upstream handshake, so the browser can send {"type":"auth"} without one.
  const bridge = (base: string) =>
    upgradeWebSocket((c) => {
      const token = c.get("sessionAccessToken");
      const upstreamUrl = new URL(base.replace(/^http/, "ws"));
      upstreamUrl.pathname = c.req.path;
      let upstream: WebSocket | undefined;
      const pending: string[] = [];
      return {
        onOpen(_e, ws) {
          upstream = new WebSocket(upstreamUrl, {
            headers: {
              "x-request-id": c.get("requestId"),
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
          } as unknown as string[]);
          upstream.onopen = () => pending.splice(0).forEach((m) => upstream!.send(m));
          upstream.onmessage = (e) => ws.readyState === 1 && ws.send(e.data);
          upstream.onclose = (e) =>
            ws.close(e.code === 1005 || e.code === 1006 ? 1011 : e.code, e.reason);
          upstream.onerror = () => ws.close(1011, "realtime service unavailable");
        },
        onMessage(e) {
          const data = typeof e.data === "string" ? e.data : "";
          if (upstream?.readyState === 1) upstream.send(data);
          else pending.push(data);
        },
        onClose() {
          upstream?.close();
        },
      };
    });
  const bridges = new Map(Object.entries(o.upstreams).map(([name, base]) => [name, bridge(base)]));

  app.use("*", async function proxy(c, next) {
    const owner = o.routes.match(c.req.path)?.service;
    const base = owner === undefined ? undefined : o.upstreams[owner];
    if (owner === undefined || base === undefined) return await next();
    if (c.req.header("upgrade")?.toLowerCase() === "websocket") {
      return await bridges.get(owner)!(c, next);
    }
    return await forward(c, owner, base);
  });
  return app;
}
