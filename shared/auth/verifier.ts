import {
  createRemoteJWKSet,
  errors as joseErrors,
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
}

export interface TokenVerifier {
  verify(token: string): Promise<Identity>;
}

const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/;

/**
 * The issuer's signing keys: discovery once, then jose's JWKS cache, refetched when a token
 * names an unknown kid (key rotation) but at most once per `cooldownMs`, so a flood of tokens
 * with made-up kids cannot turn into a flood of requests to the issuer.
 */
export function remoteKeys(
  issuer: string,
  discoveryUrl?: string,
  opts: { cooldownMs?: number } = {},
): JWTVerifyGetKey {
  let jwks: JWTVerifyGetKey | undefined;
  let discovering: Promise<JWTVerifyGetKey> | undefined;
  const discover = async () => {
    const res = await fetch(discoveryUrl ?? `${issuer}/.well-known/openid-configuration`);
    if (!res.ok) throw new Error(`OIDC discovery failed: HTTP ${res.status}`);
    const { jwks_uri } = await res.json() as { jwks_uri?: string };
    if (!jwks_uri) throw new Error("OIDC discovery has no jwks_uri");
    jwks = createRemoteJWKSet(new URL(jwks_uri), {
      cooldownDuration: opts.cooldownMs ?? 10_000,
      cacheMaxAge: 600_000,
    });
    return jwks;
  };
  return async (header, token) => {
    const get = jwks ?? await (discovering ??= discover().finally(() => (discovering = undefined)));
    return await get(header, token);
  };
}

/**
 * Verifies OAuth access tokens from the configured issuer. Everything not vouched for is
 * refused: algorithms outside the asymmetric allow-list (no "none", no HS256 signed with the
 * public key), unknown keys, wrong issuer or audience, expired or not-yet-valid tokens, and ID
 * or refresh tokens presented as access tokens. Header-supplied keys (jku, x5u, jwk) are never
 * used: keys come only from the issuer's JWKS.
 */
export function createTokenVerifier(o: TokenVerifierOptions): TokenVerifier {
  const algorithms = o.algorithms ??
    ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"];
  const bad = algorithms.filter((a) => !ASYMMETRIC.test(a));
  if (bad.length) throw new Error(`refusing non-asymmetric algorithms: ${bad.join(", ")}`);
  const keys = o.keys ?? remoteKeys(o.issuer);
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
