import { DependencyUnavailableError } from "@colink/contracts";
import {
  createLocalJWKSet,
  errors as joseErrors,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
  type JWTVerifyGetKey,
} from "jose";

/** Who is calling, as the identity provider vouches for it (Keycloak-shaped claims). */
export interface Identity {
  sub: string;
  username: string;
  email?: string;
  name?: string;
  realmRoles: string[];
  /** Token id (jti) and expiry, for revocation lists and session bookkeeping. */
  tokenId?: string;
  expiresAt: Date;
  clientId?: string;
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(`invalid token: ${reason}`);
    this.name = "InvalidTokenError";
  }
}

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /** Where the signing keys come from; defaults to the issuer's JWKS (discovered, cached). */
  keys?: JWTVerifyGetKey;
  /** Tolerated clock difference for exp/nbf/iat, in seconds. */
  clockSkewSec?: number;
  /** Accepted JWS algorithms. Asymmetric only: a symmetric one would let a public key sign. */
  algorithms?: string[];
  /** Milliseconds since the epoch, for exp/nbf/iat and the default keys' cooldown. */
  now?: () => number;
}

export interface TokenVerifier {
  verify(token: string): Promise<Identity>;
}

const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/;

/**
 * The issuer's signing keys could not be obtained (issuer unreachable, no keys ever fetched): an
 * infrastructure failure, not a bad token. Callers answer 503 (or close a WebSocket with 1011)
 * so clients retry instead of discarding a token that may well be valid.
 */
export class KeysUnavailableError extends DependencyUnavailableError {
  constructor(readonly reason: string, options?: ErrorOptions) {
    super("identity provider", `signing keys unavailable: ${reason}`, options);
    this.name = "KeysUnavailableError";
  }
}

export interface RemoteKeysOptions {
  /** Least time between two fetches (discovery or JWKS) for unknown kids or after a failure. */
  cooldownMs?: number;
  /** While no keys were ever fetched (the IdP starting up), retry this often instead. */
  retryWithoutKeysMs?: number;
  /**
   * Held keys older than this are refetched in the background by the next verification, so a
   * key the issuer withdrew (compromised, retired) stops verifying; a failed refetch keeps them.
   */
  maxAgeMs?: number;
  /** How long one request to the issuer may take before it counts as failed. */
  timeoutMs?: number;
  /** Milliseconds since the epoch; injectable so tests can move time. */
  now?: () => number;
  /** Replaces the global fetch, e.g. for a test counting requests to an issuer that is down. */
  fetch?: typeof fetch;
}

/**
 * The issuer's signing keys. Keys are replaced only by a successful fetch and never expire: an
 * unreachable issuer (Keycloak restarting, a network partition) must not turn into every token
 * being refused. The JWKS is fetched on first use, again for an unknown kid (a rotated-in key),
 * at most once per `cooldownMs` (a flood of made-up kids cannot become a flood of requests to
 * the issuer), and in the background once the held keys are older than `maxAgeMs` (a withdrawn
 * key stops verifying), with concurrent callers sharing one fetch. Discovery is done once and its
 * result kept; a failed attempt, discovery included, is retried under the same cooldown, or
 * every `retryWithoutKeysMs` while no keys are held at all.
 *
 * Throws KeysUnavailableError while no keys have ever been fetched; with keys held, a kid still
 * unknown after a refetch (or while cooling down, or with the issuer down) is jose's
 * JWKSNoMatchingKey, i.e. an invalid token.
 */
export function remoteKeys(
  issuer: string,
  discoveryUrl?: string,
  opts: RemoteKeysOptions = {},
): JWTVerifyGetKey {
  const cooldownMs = opts.cooldownMs ?? 30_000;
  const retryWithoutKeysMs = opts.retryWithoutKeysMs ?? 2_000;
  const maxAgeMs = opts.maxAgeMs ?? 600_000;
  const timeoutMs = opts.timeoutMs ?? 3_000;
  const now = opts.now ?? Date.now;
  const fetchImpl = opts.fetch ?? fetch;
  let jwksUri: URL | undefined;
  let local: JWTVerifyGetKey | undefined;
  let lastAttempt = -Infinity;
  let fetchedAt = -Infinity;
  let lastError: unknown;
  let inflight: Promise<void> | undefined;

  const getJson = async (url: string | URL, redirect: RequestRedirect): Promise<unknown> => {
    const res = await fetchImpl(url, {
      headers: { accept: "application/json, application/jwk-set+json" },
      redirect,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`${url}: HTTP ${res.status}`);
    }
    return await res.json();
  };
  const discover = async (): Promise<URL> => {
    const url = discoveryUrl ?? `${issuer}/.well-known/openid-configuration`;
    const { jwks_uri } = (await getJson(url, "follow") ?? {}) as { jwks_uri?: unknown };
    if (typeof jwks_uri !== "string") throw new Error(`${url}: no jwks_uri`);
    return new URL(jwks_uri);
  };
  const refresh = (): Promise<void> =>
    inflight ??= (async () => {
      lastAttempt = now();
      try {
        jwksUri ??= await discover();
        // Redirects are not followed (as jose does): keys come from the advertised URL only.
        local = createLocalJWKSet(await getJson(jwksUri, "manual") as JSONWebKeySet);
        fetchedAt = now();
        lastError = undefined;
      } catch (e) {
        lastError = e;
      }
    })().finally(() => (inflight = undefined));
  const mayFetch = () =>
    inflight !== undefined || now() - lastAttempt >= (local ? cooldownMs : retryWithoutKeysMs);

  return async (header, token) => {
    const fetchedNow = !local && mayFetch();
    if (fetchedNow) await refresh();
    else if (now() - fetchedAt >= maxAgeMs && mayFetch()) void refresh();
    const held = local;
    if (!held) {
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new KeysUnavailableError(reason, { cause: lastError });
    }
    try {
      return await held(header, token);
    } catch (e) {
      if (!(e instanceof joseErrors.JWKSNoMatchingKey) || fetchedNow || !mayFetch()) throw e;
      await refresh();
      return await (local ?? held)(header, token);
    }
  };
}

/**
 * Verifies OAuth access tokens from the configured issuer. Everything not vouched for is
 * refused: algorithms outside the asymmetric allow-list (no "none", no HS256 signed with the
 * public key), unknown keys, wrong issuer or audience, expired or not-yet-valid tokens, and ID
 * or refresh tokens presented as access tokens. Header-supplied keys (jku, x5u, jwk) are never
 * used: keys come only from the issuer's JWKS. Keys that cannot be had at all reject with
 * KeysUnavailableError, not InvalidTokenError: the token may be fine, the issuer is not.
 */
export function createTokenVerifier(o: TokenVerifierOptions): TokenVerifier {
  const algorithms = o.algorithms ??
    ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"];
  const bad = algorithms.filter((a) => !ASYMMETRIC.test(a));
  if (bad.length) throw new Error(`refusing non-asymmetric algorithms: ${bad.join(", ")}`);
  const now = o.now ?? Date.now;
  const keys = o.keys ?? remoteKeys(o.issuer, undefined, { now });
  return {
    async verify(token: string): Promise<Identity> {
      if (!token || token.split(".").length !== 3) throw new InvalidTokenError("malformed");
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: o.issuer,
          audience: o.audience,
          algorithms,
          clockTolerance: o.clockSkewSec ?? 30,
          currentDate: new Date(now()),
          requiredClaims: ["exp", "iat", "sub"],
        }));
      } catch (e) {
        if (e instanceof joseErrors.JOSEError) {
          throw new InvalidTokenError(e.code.replace(/^ERR_/, "").toLowerCase());
        }
        throw e;
      }
      // Keycloak marks its tokens: "Bearer" for access tokens, "ID" and "Refresh" otherwise.
      if (payload.typ !== "Bearer") throw new InvalidTokenError("not_an_access_token");
      const roles = (payload.realm_access as { roles?: unknown } | undefined)?.roles;
      return {
        sub: payload.sub!,
        username: String(payload.preferred_username ?? payload.sub),
        email: typeof payload.email === "string" ? payload.email : undefined,
        name: typeof payload.name === "string" ? payload.name : undefined,
        realmRoles: Array.isArray(roles)
          ? roles.filter((r): r is string => typeof r === "string")
          : [],
        tokenId: payload.jti,
        expiresAt: new Date(payload.exp! * 1000),
        clientId: typeof payload.azp === "string" ? payload.azp : undefined,
      };
    },
  };
}
