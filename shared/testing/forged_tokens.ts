import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from "jose";

export interface ForgeryKit {
  issuer: string;
  audience: string;
  /** The issuer's real signing key, for tokens that are validly signed but wrong otherwise. */
  signingKey: { kid: string; key: CryptoKey };
  /** The issuer's published key for `signingKey`: what an attacker can read from /certs. */
  publicJwk: JWK;
  sub: string;
  username: string;
}

export interface TokenCase {
  name: string;
  token: string;
  accepted: boolean;
}

const b64url = (s: string) => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const unb64url = (s: string) => atob(s.replace(/-/g, "+").replace(/_/g, "/"));

/**
 * The forged-token table: one genuine access token and every forgery a verifier must refuse.
 * Run it against each entry point that accepts tokens (REST, WebSocket) and each issuer.
 */
export async function forgedTokenTable(k: ForgeryKit): Promise<TokenCase[]> {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    typ: "Bearer",
    azp: "colink-cli",
    preferred_username: k.username,
    realm_access: { roles: ["member"] },
  };
  const sign = (
    c: Record<string, unknown>,
    o: {
      key?: CryptoKey;
      header?: Record<string, unknown>;
      iss?: string;
      aud?: string | string[];
      exp?: number;
      nbf?: number;
    } = {},
  ) => {
    const jwt = new SignJWT({ ...claims, ...c })
      .setProtectedHeader({ alg: "RS256", kid: k.signingKey.kid, typ: "JWT", ...o.header })
      .setIssuer(o.iss ?? k.issuer)
      .setSubject(k.sub)
      .setAudience(o.aud ?? [k.audience, "account"])
      .setIssuedAt(now - 5)
      .setExpirationTime(o.exp ?? now + 300)
      .setJti(crypto.randomUUID());
    if (o.nbf) jwt.setNotBefore(o.nbf);
    return jwt.sign(o.key ?? k.signingKey.key);
  };

  const attacker = await generateKeyPair("RS256", { extractable: true });
  const attackerJwk = { ...(await exportJWK(attacker.publicKey)), alg: "RS256" };
  const publicPem = await exportSPKI(
    await crypto.subtle.importKey(
      "jwk",
      { ...k.publicJwk, alg: "RS256" },
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      true,
      ["verify"],
    ),
  );
  const hmacWith = async (secret: string) =>
    await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: "HS256", kid: k.signingKey.kid })
      .setIssuer(k.issuer)
      .setSubject(k.sub)
      .setAudience(k.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(new TextEncoder().encode(secret));

  const genuine = await sign({});
  const [h, p, s] = genuine.split(".");
  const tamperedPayload = {
    ...JSON.parse(unb64url(p!)),
    realm_access: { roles: ["admin", "member"] },
  };

  return [
    { name: "genuine access token", token: genuine, accepted: true },
    {
      name: "expired 10 s ago (within clock skew)",
      token: await sign({}, { exp: now - 10 }),
      accepted: true,
    },
    {
      name: "alg none (unsigned)",
      token: new UnsecuredJWT({ ...claims }).setIssuer(k.issuer).setSubject(k.sub).setAudience(
        k.audience,
      )
        .setIssuedAt(now).setExpirationTime(now + 300).encode(),
      accepted: false,
    },
    {
      name: "HS256 signed with the public key (PEM) as secret",
      token: await hmacWith(publicPem),
      accepted: false,
    },
    {
      name: "HS256 signed with the public JWK as secret",
      token: await hmacWith(JSON.stringify(k.publicJwk)),
      accepted: false,
    },
    {
      name: "unknown kid (attacker's key)",
      token: await sign({}, { key: attacker.privateKey, header: { kid: crypto.randomUUID() } }),
      accepted: false,
    },
    {
      name: "issuer's kid, attacker's signature",
      token: await sign({}, { key: attacker.privateKey }),
      accepted: false,
    },
    {
      name: "tampered claims (roles raised to admin)",
      token: `${h}.${b64url(JSON.stringify(tamperedPayload))}.${s}`,
      accepted: false,
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
    {
      name: "jku header pointing at the attacker's keys",
      token: await sign({}, {
        key: attacker.privateKey,
        header: { kid: "attacker", jku: "http://127.0.0.1:9/jwks.json" },
      }),
      accepted: false,
    },
    {
      name: "attacker's key embedded as a jwk header",
      token: await sign({}, {
        key: attacker.privateKey,
        header: { kid: undefined, jwk: attackerJwk },
      }),
      accepted: false,
    },
    {
      name: "x5u header",
      token: await sign({}, {
        key: attacker.privateKey,
        header: { kid: "x", x5u: "http://127.0.0.1:9/cert.pem" },
      }),
      accepted: false,
    },
    { name: "not a JWT at all", token: "not-a-token", accepted: false },
    { name: "signature stripped", token: `${h}.${p}.`, accepted: false },
  ];
}

/** The table for an issuer whose keys the test holds (the embedded one). */
export async function forgedTokensForIssuer(
  keys: {
    signingKey(): Promise<{ kid: string; key: CryptoKey }>;
    jwks(): Promise<{ keys: JWK[] }>;
  },
  issuer: string,
  user: { sub: string; username: string },
): Promise<TokenCase[]> {
  const signingKey = await keys.signingKey();
  const publicJwk = (await keys.jwks()).keys.find((k) => k.kid === signingKey.kid)!;
  return await forgedTokenTable({ issuer, audience: "colink-api", signingKey, publicJwk, ...user });
}
