import type { Identity, TokenVerifier } from "./verifier.ts";

/**
 * Remembers verified tokens until they expire, so a client presenting the same access token on
 * every request pays for the signature check once. Keyed by the exact token: a lookup is a plain
 * string comparison, so no two tokens can ever share an entry (a forged payload under a copied
 * signature is another key), and it costs nothing like the ~5 µs of hashing it per request
 * (docs/benchmarks.md). Bounded in size (the oldest entry goes first); only successes are kept,
 * a refused token is checked afresh. Revoking a user does not rely on this cache: the principal
 * step refuses deactivated users.
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
      const hit = cache.get(token);
      if (hit) {
        if (hit.expiresAt.getTime() > now()) return hit;
        cache.delete(token);
      }
      const identity = await inner.verify(token);
      if (identity.expiresAt.getTime() > now()) {
        cache.set(token, identity);
        if (cache.size > max) cache.delete(cache.keys().next().value!);
      }
      return identity;
    },
  };
}
