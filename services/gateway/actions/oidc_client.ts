import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from "jose";
import { sha256Base64url } from "@colink/platform";

export interface OidcClientOptions {
  issuer: string;
  /** Discovery document URL reachable from this process (default: the issuer's). */
  discoveryUrl?: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Verification keys; defaults to the issuer's JWKS. */
  keys?: JWTVerifyGetKey;
}

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
  refresh_expires_in?: number;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
  jwks_uri: string;
}

export class OidcError extends Error {
  constructor(readonly status: number, readonly error: string, description: string) {
    super(`${error}: ${description}`);
    this.name = "OidcError";
  }
}

/** RFC 7636 S256: the challenge sent up front for the verifier revealed at redemption. */
export const pkceChallenge = (verifier: string): Promise<string> => sha256Base64url(verifier);

/**
 * The gateway as an OIDC relying party (confidential client `colink-web`): builds the
 * authorization request, redeems codes with PKCE, refreshes and revokes. Works against Keycloak
 * and the embedded issuer alike (same protocol, discovered endpoints).
 */
export interface OidcClient {
  authorizationUrl(p: { state: string; nonce: string; codeChallenge: string }): Promise<string>;
  redeemCode(code: string, codeVerifier: string): Promise<TokenSet>;
  refresh(refreshToken: string): Promise<TokenSet>;
  verifyIdToken(idToken: string, nonce: string): Promise<void>;
  revoke(refreshToken: string): Promise<void>;
}

/**
 * A hung IdP must not hang sign-in, silent refresh or logout: a request that takes longer fails
 * as "unreachable" (a session then keeps its current access token). Shorter than the 10 s
 * refresh lock, so another replica never refreshes while this one still waits.
 */
const IDP_TIMEOUT_MS = 5_000;

export function createOidcClient(o: OidcClientOptions): OidcClient {
  let discovery: Promise<Discovery> | undefined;
  let jwks: JWTVerifyGetKey | undefined = o.keys;
  const discover = () =>
    discovery ??= fetch(o.discoveryUrl ?? `${o.issuer}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(IDP_TIMEOUT_MS),
    }).then(
      async (r) => {
        if (!r.ok) throw new Error(`OIDC discovery failed: HTTP ${r.status}`);
        return await r.json() as Discovery;
      },
    ).catch((e) => {
      discovery = undefined; // try again next time: the IdP may still be starting
      throw e;
    });
  const basic = `Basic ${
    btoa(`${encodeURIComponent(o.clientId)}:${encodeURIComponent(o.clientSecret)}`)
  }`;

  async function tokenRequest(params: Record<string, string>): Promise<TokenSet> {
    const { token_endpoint } = await discover();
    const res = await fetch(token_endpoint, {
      method: "POST",
      headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params),
      signal: AbortSignal.timeout(IDP_TIMEOUT_MS),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      throw new OidcError(res.status, body.error ?? "token_error", body.error_description ?? "");
    }
    return body as TokenSet;
  }

  return {
    async authorizationUrl(
      p: { state: string; nonce: string; codeChallenge: string },
    ): Promise<string> {
      const { authorization_endpoint } = await discover();
      const u = new URL(authorization_endpoint);
      u.search = new URLSearchParams({
        client_id: o.clientId,
        redirect_uri: o.redirectUri,
        response_type: "code",
        scope: "openid profile email",
        state: p.state,
        nonce: p.nonce,
        code_challenge: p.codeChallenge,
        code_challenge_method: "S256",
      }).toString();
      return u.toString();
    },
    redeemCode: (code: string, codeVerifier: string) =>
      tokenRequest({
        grant_type: "authorization_code",
        code,
        code_verifier: codeVerifier,
        redirect_uri: o.redirectUri,
      }),
    refresh: (refreshToken: string) =>
      tokenRequest({ grant_type: "refresh_token", refresh_token: refreshToken }),
    /** Checks the ID token's signature, issuer, audience (us) and nonce (this login). */
    async verifyIdToken(idToken: string, nonce: string): Promise<void> {
      jwks ??= createRemoteJWKSet(new URL((await discover()).jwks_uri));
      const { payload } = await jwtVerify(idToken, jwks, {
        issuer: o.issuer,
        audience: o.clientId,
        algorithms: ["RS256", "PS256", "ES256"],
        clockTolerance: 30,
      });
      if (payload.nonce !== nonce) throw new OidcError(400, "invalid_id_token", "nonce mismatch");
    },
    /** Ends the IdP session (back channel, with the session's refresh token). */
    async revoke(refreshToken: string): Promise<void> {
      const { end_session_endpoint } = await discover();
      if (!end_session_endpoint) return;
      const res = await fetch(end_session_endpoint, {
        method: "POST",
        headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ client_id: o.clientId, refresh_token: refreshToken }),
        redirect: "manual",
        signal: AbortSignal.timeout(IDP_TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (res.status >= 500) throw new OidcError(res.status, "logout_failed", "IdP logout failed");
    },
  };
}
