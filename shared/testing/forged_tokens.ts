import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from "jose";

/**
 * What the table is built from. A test that holds the issuer's signing key (the embedded issuer)
 * mints the genuine token itself and adds validly signed tokens that are wrong otherwise; a test
 * against an issuer whose key it cannot have (Keycloak) brings a genuine token the issuer minted,
 * plus any wrong tokens the issuer itself signed (ID and refresh tokens, another client's token).
 * Either way every forgery is derived the way an attacker would: from a genuine token and the
 * issuer's public key.
 */
export type ForgeryKit = HeldKeyKit | IssuedTokenKit;

export interface HeldKeyKit {
  issuer: string;
  audience: string;
  /** The issuer's real signing key, for tokens that are validly signed but wrong otherwise. */
  signingKey: { kid: string; key: CryptoKey };
  /** The issuer's published key for `signingKey`: what an attacker can read from /certs. */
  publicJwk: JWK;
  sub: string;
  username: string;
}

export interface IssuedTokenKit {
  /** An access token the issuer minted for us, e.g. from a password grant. */
  genuine: string;
  /** The issuer's published key that signed `genuine` (its /certs entry for the token's kid). */
  publicJwk: JWK;
  /** Tokens the issuer really signed that must still be refused (not access tokens for us). */
  issuedButWrong?: { name: string; token: string }[];
}

export interface TokenCase {
  name: string;
  token: string;
  accepted: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const b64url = (s: string) =>
  btoa(String.fromCharCode(...encoder.encode(s))).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
const unb64url = (s: string) =>
  decoder.decode(
    Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0)),
  );
const json = (part: string) => JSON.parse(unb64url(part)) as Record<string, unknown>;

/**
 * The forged-token table: one genuine access token and every forgery a verifier must refuse.
 * Run it against each entry point that accepts tokens (REST, WebSocket, through the gateway and
 * on a service's own port) and each issuer (the embedded one, Keycloak).
 */
export async function forgedTokenTable(k: ForgeryKit): Promise<TokenCase[]> {
  if (!("signingKey" in k)) {
    return [
      { name: "genuine access token", token: k.genuine, accepted: true },
      ...(k.issuedButWrong ?? []).map((t) => ({ ...t, accepted: false })),
      ...await forgeriesOf(k.genuine, k.publicJwk),
    ];
  }
  const now = Math.floor(Date.now() / 1000);
  const sign = (c: Record<string, unknown>, o: SignOptions = {}) => signAccessToken(k, c, o);
  const genuine = await sign({});
  return [
    { name: "genuine access token", token: genuine, accepted: true },
    {
      name: "expired 10 s ago (within clock skew)",
      token: await sign({}, { exp: now - 10 }),
      accepted: true,
    },
    { name: "expired 10 minutes ago", token: await sign({}, { exp: now - 600 }), accepted: false },
    {
      name: "not valid before 10 minutes from now",
      token: await sign({}, { nbf: now + 600 }),
      accepted: false,
    },
    {
      name: "wrong issuer (validly signed)",
      token: await sign({}, { iss: "https://evil.example/realms/colink" }),
      accepted: false,
    },
    {
      name: "wrong audience (validly signed)",
      token: await sign({}, { aud: "some-other-api" }),
      accepted: false,
    },
    {
      name: "ID token (typ ID, validly signed)",
      token: await sign({ typ: "ID", nonce: "n" }),
      accepted: false,
    },
    {
      name: "refresh token (typ Refresh, validly signed)",
      token: await sign({ typ: "Refresh" }),
      accepted: false,
    },
    ...await forgeriesOf(genuine, k.publicJwk),
  ];
}

/**
 * Everything an attacker can make from one genuine access token and the issuer's public key:
 * altered claims under the original signature, no signature, a symmetric signature keyed with the
 * public key, and signatures of the attacker's own key, with claims that would be refused anyway
 * (wrong audience, expired) or fine, under the issuer's kid, an unknown one or header-supplied
 * keys. All must be refused.
 */
async function forgeriesOf(genuine: string, publicJwk: JWK): Promise<TokenCase[]> {
  const [h, p, s] = genuine.split(".") as [string, string, string];
  const header = json(h);
  const claims = json(p);
  const kid = String(header.kid);
  const now = Math.floor(Date.now() / 1000);
  const withClaims = (c: Record<string, unknown>) => b64url(JSON.stringify({ ...claims, ...c }));
  const roles = (claims.realm_access as { roles?: string[] } | undefined)?.roles ?? [];

  const attacker = await generateKeyPair("RS256", { extractable: true });
  const attackerJwk = { ...(await exportJWK(attacker.publicKey)), alg: "RS256" };
  const resign = (o: { header?: Record<string, unknown>; claims?: Record<string, unknown> } = {}) =>
    new SignJWT({ ...claims, ...o.claims })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid, ...o.header })
      .sign(attacker.privateKey);
  const publicPem = await exportSPKI(
    await crypto.subtle.importKey(
      "jwk",
      { ...publicJwk, alg: "RS256" },
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      true,
      ["verify"],
    ),
  );
  const hmacWith = (secret: string) =>
    new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT", kid }).sign(
      encoder.encode(secret),
    );
  const flipped = s.slice(0, 10) + (s[10] === "A" ? "B" : "A") + s.slice(11);

  return [
    {
      name: "tampered claims (roles raised to admin), original signature",
      token: `${h}.${withClaims({ realm_access: { roles: [...roles, "admin"] } })}.${s}`,
      accepted: false,
    },
    {
      name: "tampered claims (another user's sub and username), original signature",
      token: `${h}.${withClaims({ sub: crypto.randomUUID(), preferred_username: "admin" })}.${s}`,
      accepted: false,
    },
    {
      name: "tampered claims (expiry pushed a day ahead), original signature",
      token: `${h}.${withClaims({ exp: Number(claims.exp) + 86_400 })}.${s}`,
      accepted: false,
    },
    {
      name: "one character of the signature changed",
      token: `${h}.${p}.${flipped}`,
      accepted: false,
    },
    { name: "signature stripped", token: `${h}.${p}.`, accepted: false },
    {
      name: "alg none (unsigned), genuine claims",
      token: new UnsecuredJWT(claims).encode(),
      accepted: false,
    },
    {
      name: "alg None in the issuer's header, original signature kept",
      token: `${b64url(JSON.stringify({ ...header, alg: "None" }))}.${p}.${s}`,
      accepted: false,
    },
    {
      name: "HS256 signed with the public key (PEM) as secret",
      token: await hmacWith(publicPem),
      accepted: false,
    },
    {
      name: "HS256 signed with the public JWK as secret",
      token: await hmacWith(JSON.stringify(publicJwk)),
      accepted: false,
    },
    { name: "issuer's kid, attacker's signature", token: await resign(), accepted: false },
    {
      name: "unknown kid (attacker's key)",
      token: await resign({ header: { kid: crypto.randomUUID() } }),
      accepted: false,
    },
    {
      name: "wrong audience, re-signed with the attacker's key",
      token: await resign({ claims: { aud: "some-other-api" } }),
      accepted: false,
    },
    {
      name: "expired 10 minutes ago, re-signed with the attacker's key",
      token: await resign({ claims: { iat: now - 900, exp: now - 600 } }),
      accepted: false,
    },
    {
      name: "jku header pointing at the attacker's keys",
      token: await resign({ header: { kid: "attacker", jku: "http://127.0.0.1:9/jwks.json" } }),
      accepted: false,
    },
    {
      name: "attacker's key embedded as a jwk header",
      token: await resign({ header: { kid: undefined, jwk: attackerJwk } }),
      accepted: false,
    },
    {
      name: "x5u header",
      token: await resign({ header: { kid: "x", x5u: "http://127.0.0.1:9/cert.pem" } }),
      accepted: false,
    },
    { name: "not a JWT at all", token: "not-a-token", accepted: false },
  ];
}

/** The table for an issuer whose keys the test holds (the embedded one). */
interface SignOptions {
  iss?: string;
  aud?: string | string[];
  /** Seconds since the epoch (default: 5 minutes from now). */
  exp?: number;
  nbf?: number;
}

/** An access token signed with the issuer's real key, as the issuer would mint it. */
function signAccessToken(
  k: HeldKeyKit,
  claims: Record<string, unknown>,
  o: SignOptions = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({
    typ: "Bearer",
    azp: "colink-cli",
    preferred_username: k.username,
    realm_access: { roles: ["member"] },
    ...claims,
  })
    .setProtectedHeader({ alg: "RS256", kid: k.signingKey.kid, typ: "JWT" })
    .setIssuer(o.iss ?? k.issuer)
    .setSubject(k.sub)
    .setAudience(o.aud ?? [k.audience, "account"])
    .setIssuedAt(now - 5)
    .setExpirationTime(o.exp ?? now + 300)
    .setJti(crypto.randomUUID());
  if (o.nbf) jwt.setNotBefore(o.nbf);
  return jwt.sign(k.signingKey.key);
}

type IssuerKeys = {
  signingKey(): Promise<{ kid: string; key: CryptoKey }>;
  jwks(): Promise<{ keys: JWK[] }>;
};

/**
 * A genuine access token from the embedded issuer's key that expires `seconds` from now (the
 * issuer itself mints nothing shorter than 10 s), for tests of what happens at expiry.
 */
export async function tokenExpiringIn(
  keys: IssuerKeys,
  issuer: string,
  user: { sub: string; username: string },
  seconds: number,
): Promise<string> {
  const signingKey = await keys.signingKey();
  const publicJwk = (await keys.jwks()).keys.find((k) => k.kid === signingKey.kid)!;
  return await signAccessToken(
    { issuer, audience: "colink-api", signingKey, publicJwk, ...user },
    {},
    { exp: Math.floor(Date.now() / 1000) + seconds },
  );
}

export async function forgedTokensForIssuer(
  keys: IssuerKeys,
  issuer: string,
  user: { sub: string; username: string },
): Promise<TokenCase[]> {
  const signingKey = await keys.signingKey();
  const publicJwk = (await keys.jwks()).keys.find((k) => k.kid === signingKey.kid)!;
  return await forgedTokenTable({ issuer, audience: "colink-api", signingKey, publicJwk, ...user });
}
