import type { OpenAPIHono } from "@hono/zod-openapi";
import { ConfigError } from "@colink/config";
import { defineService, type ServiceDeps } from "@colink/runtime";
import { createOidcClient, type OidcClient } from "./actions/oidc_client.ts";
import { createSessionStore, type SessionStore } from "./actions/sessions.ts";
import { DEV_CLIENT_SECRET, GatewayConfig } from "./config.ts";
import { browserSession } from "./middleware/browser_session.ts";
import { corsForWeb, edgeHeaders } from "./middleware/edge_headers.ts";
import { clientIp, rateLimit } from "./middleware/rate_limit.ts";
import { authRoutes } from "./routes/auth_routes.ts";
import { docsRoutes } from "./routes/docs_routes.ts";
import { proxyRoutes } from "./routes/proxy_routes.ts";

type Deps = ServiceDeps<"sql" | "kv", GatewayConfig>;

interface Parts {
  sessions: SessionStore;
  oidc: OidcClient;
  origins: string[];
}

/** The session store is shared by the edge middleware and the /auth routes of one process. */
const parts = new WeakMap<object, Parts>();
function partsOf(d: Deps): Parts {
  let p = parts.get(d.infra);
  if (p) return p;
  const publicUrl = d.env.PUBLIC_URL.replace(/\/$/, "");
  const key = d.config.SESSION_ENCRYPTION_KEY;
  if (!key && d.env.COLINK_MODE === "distributed") {
    // Every replica must read every session: a per-process random key would not do.
    throw new ConfigError([{
      name: "SESSION_ENCRYPTION_KEY",
      message: "required in distributed mode (32 bytes, base64)",
    }]);
  }
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = key
      ? Uint8Array.from(atob(key), (ch) => ch.charCodeAt(0))
      : crypto.getRandomValues(new Uint8Array(32));
  } catch {
    throw new ConfigError([{ name: "SESSION_ENCRYPTION_KEY", message: "must be base64" }]);
  }
  if (raw.length !== 32) {
    throw new ConfigError([{ name: "SESSION_ENCRYPTION_KEY", message: "must decode to 32 bytes" }]);
  }
  if (d.env.COLINK_ENV === "production" && d.config.OIDC_CLIENT_SECRET === DEV_CLIENT_SECRET) {
    throw new ConfigError([{
      name: "OIDC_CLIENT_SECRET",
      message: "set the colink-web client secret (the dev default is public)",
    }]);
  }
  const oidc = createOidcClient({
    issuer: d.oidc.issuer,
    discoveryUrl: d.oidc.discoveryUrl,
    clientId: d.config.OIDC_CLIENT_ID,
    clientSecret: d.config.OIDC_CLIENT_SECRET,
    redirectUri: `${publicUrl}/auth/callback`,
  });
  p = {
    sessions: createSessionStore({ sql: d.infra.sql, kv: d.infra.kv, oidc, encryptionKey: raw }),
    oidc,
    origins: d.config.WEB_ORIGINS ?? [new URL(publicUrl).origin],
  };
  parts.set(d.infra, p);
  return p;
}

/** Where browsers reach the object store for direct uploads and downloads (distributed mode). */
function storeOrigin(d: Deps): string | undefined {
  const url = d.env.COLINK_MODE === "distributed"
    ? d.env.S3_PUBLIC_ENDPOINT ?? d.env.S3_ENDPOINT
    : undefined;
  return url ? new URL(url).origin : undefined;
}

/** The gateway: the edge (headers, CORS, sessions, rate limits), sign-in, and the API docs. */
export const gatewayService = defineService({
  name: "gateway",
  needs: ["sql", "kv"],
  paths: [
    { prefix: "/auth", access: "session" },
    { prefix: "/auth/login", access: "session", signIn: true },
    { prefix: "/auth/callback", access: "session", signIn: true },
    // API paths no service owns: JSON 404s, metered like the API.
    { prefix: "/api", access: "caller" },
    { prefix: "/docs", access: "anonymous" },
  ],
  config: GatewayConfig,
  middleware: (d: Deps) => {
    const { sessions, origins } = partsOf(d);
    return [
      edgeHeaders({ production: d.env.COLINK_ENV === "production", storeOrigin: storeOrigin(d) }),
      corsForWeb(origins),
      browserSession({ sessions, cookie: d.config.SESSION_COOKIE, origins, routes: d.routes }),
      rateLimit({
        kv: d.infra.kv,
        routes: d.routes,
        verifier: d.verifier,
        trustProxy: d.config.TRUST_PROXY,
        logger: d.logger,
        limits: {
          readsPerMin: d.config.RATE_LIMIT_READS_PER_MIN,
          writesPerMin: d.config.RATE_LIMIT_WRITES_PER_MIN,
          ipPerMin: d.config.RATE_LIMIT_IP_PER_MIN,
          loginPerMin: d.config.RATE_LIMIT_LOGIN_PER_MIN,
        },
      }),
    ];
  },
  routes: (d: Deps): OpenAPIHono => {
    const p = partsOf(d);
    const app = authRoutes({
      oidc: p.oidc,
      sessions: p.sessions,
      kv: d.infra.kv,
      verifier: d.verifier,
      principals: d.principals,
      cookie: d.config.SESSION_COOKIE,
      secureCookies: d.env.PUBLIC_URL.startsWith("https:") || d.env.COLINK_ENV === "production",
      logger: d.logger,
    });
    app.route("/", docsRoutes());
    // Embedded mode mounts every service in this process; distributed mode routes to them.
    if (d.env.COLINK_MODE === "distributed") {
      app.route(
        "/",
        proxyRoutes({
          routes: d.routes,
          upstreams: d.upstreams,
          logger: d.logger,
          clientIp: (c) => clientIp(c, d.config.TRUST_PROXY),
        }),
      );
    }
    return app;
  },
  upstreamDocs: (d: Deps) => {
    if (d.env.COLINK_MODE !== "distributed") return () => Promise.resolve([]);
    let cached: { at: number; docs: Record<string, unknown>[] } | undefined;
    return async () => {
      if (cached && Date.now() - cached.at < 60_000) return cached.docs;
      const docs = await Promise.all(
        Object.entries(d.upstreams).map(async ([name, url]) => {
          try {
            const res = await fetch(new URL("/openapi.json", url), {
              signal: AbortSignal.timeout(3_000),
            });
            if (!res.ok) throw new Error(`HTTP ${res.status}`);
            return [await res.json()];
          } catch (e) {
            d.logger.warn("cannot fetch an upstream's OpenAPI document", {
              upstream: name,
              err: e,
            });
            return [];
          }
        }),
      );
      cached = { at: Date.now(), docs: docs.flat() };
      return cached.docs;
    };
  },
});
