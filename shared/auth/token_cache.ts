import { createHash } from "node:crypto";
import type { Identity, TokenVerifier } from "./verifier.ts";

/**
 * Remembers verified tokens until they expire, so a client presenting the same access token on
 * every request pays for the signature check once. Keyed by the token's SHA-256 (the whole
 * token: a forged payload under a copied signature hashes differently), bounded in size (the
 * oldest entry goes first), and only successes are kept: a refused token is checked afresh.
 * Revoking a user does not rely on this cache: the principal step refuses deactivated users.
 */
export function cachingVerifier(
  inner: TokenVerifier,
  o: { maxEntries?: number; now?: () => number } = {},
): TokenVerifier {
  const max = o.maxEntries ?? 10_000;
  const now = o.now ?? Date.now;
  const cache = new Map<string, Identity>();
  return {
    async verify(token) {
      const key = createHash("sha256").update(token).digest("base64");
      const hit = cache.get(key);
      if (hit) {
        if (hit.expiresAt.getTime() > now()) return hit;
        cache.delete(key);
      }
      const identity = await inner.verify(token);
      if (identity.expiresAt.getTime() > now()) {
        cache.set(key, identity);
        if (cache.size > max) cache.delete(cache.keys().next().value!);
      }
      return identity;
    },
  };
}
