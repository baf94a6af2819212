import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTVerifyGetKey,
} from "jose";
import type { DocumentStore } from "@colink/platform";

interface StoredKey extends Record<string, unknown> {
  kid: string;
  private_jwk: JWK;
  public_jwk: JWK;
  created_at: Date;
  /** Signing stops at rotation; the public key stays published until retire_at. */
  retire_at?: Date;
}

export interface KeyRing {
  /** The current signing key. */
  signingKey(): Promise<{ kid: string; key: CryptoKey }>;
  /** The published JWKS: the current key and keys still within their grace period. */
  jwks(): Promise<{ keys: JWK[] }>;
  /** For verifiers in the same process: no HTTP round trip to our own /certs. */
  verificationKeys(): JWTVerifyGetKey;
  /** Starts signing with a fresh key; the old one is published for `graceMs` more. */
  rotate(graceMs: number): Promise<string>;
}

/**
 * RS256 signing keys of the embedded issuer, persisted in the document store so tokens outlive
 * a restart, rotated on demand or when older than `maxAgeMs`.
 */
export function createKeyRing(
  docs: DocumentStore,
  opts: { maxAgeMs: number; now?: () => number },
): KeyRing {
  const col = docs.collection<StoredKey>("oidc_keys");
  const now = opts.now ?? Date.now;
  let cache: StoredKey[] | undefined;

  async function load(): Promise<StoredKey[]> {
    cache ??= await col.find({}, { sort: { created_at: -1 } });
    return cache;
  }

  async function create(): Promise<StoredKey> {
    const { publicKey, privateKey } = await generateKeyPair("RS256", {
      extractable: true,
      modulusLength: 2048,
    });
    const kid = crypto.randomUUID();
    const doc: StoredKey = {
      kid,
      private_jwk: { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" },
      public_jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" },
      created_at: new Date(now()),
    };
    await col.insertOne(doc);
    cache = undefined;
    return doc;
  }

  // Concurrent first requests must not each mint a key: the first one does, the rest wait.
  let minting: Promise<StoredKey> | undefined;
  async function current(): Promise<StoredKey> {
    const active = (await load()).find((k) => !k.retire_at);
    if (active && now() - active.created_at.getTime() < opts.maxAgeMs) return active;
    minting ??= (async () => {
      if (active) await retire(active, opts.maxAgeMs);
      return await create();
    })().finally(() => (minting = undefined));
    return await minting;
  }

  async function retire(k: StoredKey, graceMs: number) {
    await col.updateOne({ kid: k.kid }, { $set: { retire_at: new Date(now() + graceMs) } });
    cache = undefined;
  }

  const published = async () =>
    (await load()).filter((k) => !k.retire_at || k.retire_at.getTime() > now()).map((k) =>
      k.public_jwk
    );

  return {
    async signingKey() {
      const k = await current();
      return { kid: k.kid, key: (await importJWK(k.private_jwk, "RS256")) as CryptoKey };
    },
    async jwks() {
      await current();
      return { keys: await published() };
    },
    verificationKeys() {
      // One local key set per published set of keys: jose imports each key once and keeps it,
      // instead of re-importing the RSA key for every token verified.
      let local: { kids: string; get: JWTVerifyGetKey } | undefined;
      return async (header, token) => {
        const keys = await published();
        const kids = keys.map((k) => k.kid).join(" ");
        if (local?.kids !== kids) local = { kids, get: createLocalJWKSet({ keys }) };
        return await local.get(header, token);
      };
    },
    async rotate(graceMs) {
      const active = (await load()).find((k) => !k.retire_at);
      if (active) await retire(active, graceMs);
      return (await create()).kid;
    },
  };
}
