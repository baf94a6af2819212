/**
 * Route ownership, written once: each service declares the path prefixes it answers and how the
 * gateway treats them. The gateway's proxy table, rate-limit classes, browser-session (cookie
 * and CSRF) scope, upstream settings and OpenAPI merge are all derived from these declarations.
 */
export interface OwnedPath {
  /**
   * A segment-aligned prefix: "/api/v1/users" owns "/api/v1/users" and everything below it,
   * not "/api/v1/usersx". A "*" segment matches any one segment ("/api/v1/dms/*\/messages").
   */
  prefix: string;
  /**
   * - "caller": the API. Needs credentials (a Bearer token, or the session cookie standing in
   *   for one, with X-CSRF-Token on unsafe methods); metered per caller, reads (GET, HEAD) and
   *   writes apart, besides the per-IP budget.
   * - "session": the browser-session endpoints and the socket: the cookie is honoured (CSRF on
   *   unsafe methods, Origin on WebSocket upgrades); metered per IP.
   * - "anonymous": not ours to guard with the cookie (the IdP's pages, signed blob URLs, docs);
   *   metered per IP.
   */
  access: "caller" | "session" | "anonymous";
  /** A sign-in step: also metered by the strict per-IP sign-in budget (password guessing). */
  signIn?: boolean;
}

/** Who owns a path: a service name, and the declaration that matched. */
export interface RouteMatch extends OwnedPath {
  service: string;
}

export interface RouteTable {
  /** The most specific declaration covering `path`, or undefined for paths nobody owns. */
  match(path: string): RouteMatch | undefined;
  /** Every service that owns at least one path, in declaration order. */
  readonly services: readonly string[];
}

interface Compiled {
  segments: string[];
  route: RouteMatch;
}

const split = (p: string) => p.split("/").filter(Boolean);
/**
 * A request path's segments, empty ones kept: "//api/v1/me" is not "/api/v1/me" (a proxy that
 * resolved it against a base URL would read "//api" as another host).
 */
const requestSegments = (path: string) => {
  const segs = path.split("/").slice(1);
  if (segs.length > 1 && segs.at(-1) === "") segs.pop();
  return segs;
};
/** Longer paths are matched every time rather than kept: the cache must stay small. */
const CACHEABLE_PATH = 256;

/**
 * Builds the table. The most specific declaration wins whatever the order: more segments first,
 * and at equal length a literal segment beats "*". Two services declaring the same prefix is a
 * programming error and throws at start-up.
 */
export function createRouteTable(
  owners: readonly { name: string; paths?: readonly OwnedPath[] }[],
): RouteTable {
  const entries: Compiled[] = owners.flatMap((o) =>
    (o.paths ?? []).map((p) => ({ segments: split(p.prefix), route: { ...p, service: o.name } }))
  );
  const seen = new Map<string, string>();
  for (const e of entries) {
    const key = e.segments.join("/");
    const other = seen.get(key);
    if (other !== undefined) {
      throw new Error(`path ${e.route.prefix} is declared by both ${other} and ${e.route.service}`);
    }
    seen.set(key, e.route.service);
  }
  const specificity = (e: Compiled) => e.segments.map((s) => (s === "*" ? "0" : "1")).join("");
  entries.sort((a, b) =>
    b.segments.length - a.segments.length || specificity(b).localeCompare(specificity(a))
  );
  const cache = new Map<string, RouteMatch | undefined>();
  return {
    services: owners.filter((o) => o.paths?.length).map((o) => o.name),
    match(path) {
      if (cache.has(path)) return cache.get(path);
      const segs = requestSegments(path);
      const result = entries.find((e) =>
        e.segments.length <= segs.length && e.segments.every((s, i) => s === "*" || s === segs[i])
      )?.route;
      // Paths carry ids, so the cache would grow without bound: keep it small and bounded.
      if (path.length <= CACHEABLE_PATH) {
        if (cache.size > 5_000) cache.clear();
        cache.set(path, result);
      }
      return result;
    },
  };
}

/** The setting that tells the distributed gateway where a service listens: users → USERS_URL. */
export const upstreamEnvVar = (service: string): string =>
  `${service.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_URL`;

/**
 * The services of `registry` that own paths but do not run in this process (`local`): the ones
 * a gateway routes to, each at its `<NAME>_URL`.
 */
export function remoteServices<S extends { paths?: readonly OwnedPath[] }>(
  registry: readonly S[],
  local: readonly S[],
): S[] {
  return registry.filter((s) => s.paths?.length && !local.includes(s));
}
