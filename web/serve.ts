import type { Context, MiddlewareHandler } from "hono";

/**
 * Serves the built web client (web/dist/): hashed assets with an immutable year-long cache,
 * index.html with `no-cache` (always revalidated, so a deploy is picked up at once) for every
 * client-side route, and the precompressed .br or .gz copy the browser accepts. Paths a service
 * owns are never shadowed: they fall through to their routes and JSON 404s.
 */
export interface WebClientOptions {
  /** The build directory (web/dist/). */
  dir: string;
  /** True for paths an API service owns. */
  isApi: (path: string) => boolean;
  /** Awaited before index.html is served (a dev server rebuilding stale sources). */
  prepare?: () => Promise<void>;
}

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  html: "text/html; charset=utf-8",
  svg: "image/svg+xml",
  txt: "text/plain; charset=utf-8",
  json: "application/json",
  png: "image/png",
  ico: "image/x-icon",
  woff2: "font/woff2",
};

const IMMUTABLE = "public, max-age=31536000, immutable";
/** Hashed names only: letters, digits, dots, dashes (no traversal, no surprises). */
const ASSET = /^\/assets\/[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)+$/;
const ROOT_FILE = /^\/[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)+$/;

/** Which stored encoding to send: brotli, then gzip, else the file itself (q=0 refuses). */
export function pickEncoding(acceptEncoding: string | undefined): Array<"br" | "gzip"> {
  const accepted = new Map<string, number>();
  for (const part of (acceptEncoding ?? "").split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const ok = (n: string) => (accepted.get(n) ?? (accepted.get("*") ?? 0)) > 0;
  return (["br", "gzip"] as const).filter(ok);
}

async function tryRead(path: string): Promise<Uint8Array | null> {
  try {
    return await Deno.readFile(path);
  } catch {
    return null;
  }
}

async function etagOf(data: Uint8Array): Promise<string> {
  const h = new Uint8Array(await crypto.subtle.digest("SHA-1", data as Uint8Array<ArrayBuffer>));
  return `"${[...h.slice(0, 10)].map((b) => b.toString(16).padStart(2, "0")).join("")}"`;
}

async function sendFile(
  c: Context,
  dir: string,
  rel: string,
  cache: string,
): Promise<Response | null> {
  const ext = /\.([A-Za-z0-9]+)$/.exec(rel)?.[1]?.toLowerCase() ?? "";
  const path = `${dir.replace(/\/$/, "")}/${rel}`;
  const original = await tryRead(path);
  if (!original) return null;
  const etag = await etagOf(original);
  const headers = new Headers({
    "content-type": TYPES[ext] ?? "application/octet-stream",
    "cache-control": cache,
    "vary": "Accept-Encoding",
    etag,
  });
  if (c.req.header("if-none-match") === etag) return new Response(null, { status: 304, headers });
  let body = original;
  for (const enc of pickEncoding(c.req.header("accept-encoding"))) {
    const stored = await tryRead(`${path}.${enc === "br" ? "br" : "gz"}`);
    if (stored) {
      body = stored;
      headers.set("content-encoding", enc);
      break;
    }
  }
  headers.set("content-length", String(body.length));
  return new Response(c.req.method === "HEAD" ? null : body as Uint8Array<ArrayBuffer>, {
    status: 200,
    headers,
  });
}

/** Shown when there is no build and none can be made here. */
const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CoLink</title></head>
<body><h1>CoLink</h1><p>The web client has not been built. Run <code>deno task web:build</code>
(or start the server with <code>deno task dev</code>, which builds it).</p></body></html>`;

export function webClient(o: WebClientOptions): MiddlewareHandler {
  return async function webClientMiddleware(c, next) {
    const method = c.req.method;
    const path = c.req.path;
    if ((method !== "GET" && method !== "HEAD") || o.isApi(path)) return await next();
    if (path.startsWith("/assets/")) {
      const sent = ASSET.test(path) && await sendFile(c, o.dir, path.slice(1), IMMUTABLE);
      return sent || await next();
    }
    if (ROOT_FILE.test(path) && path !== "/index.html") {
      return (await sendFile(c, o.dir, path.slice(1), "public, max-age=3600")) ?? await next();
    }
    if (/\.[A-Za-z0-9]+$/.test(path) && path !== "/index.html") return await next();
    await o.prepare?.();
    const page = await sendFile(c, o.dir, "index.html", "no-cache");
    if (page) return page;
    return c.html(NOT_BUILT, 503, { "cache-control": "no-store" });
  };
}
