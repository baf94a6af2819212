import { DependencyUnavailableError } from "@colink/contracts";
import type { KeyValue } from "./port.ts";

/**
 * A read-through cache of JSON values in the KV store that never fails its caller because the
 * store is away: reads fall through to `load` and writes are skipped while Redis is down (a
 * cache is an optimisation, not a dependency). A `forget` that cannot reach the store leaves an
 * entry that may be stale for at most `ttlMs`; it is reported through `onUnavailable`.
 */
export interface JsonCache<T> {
  get(id: string, load: () => Promise<T>): Promise<T>;
  forget(id: string): Promise<void>;
}

export function jsonCache<T>(
  kv: KeyValue,
  o: { prefix: string; ttlMs: number; onUnavailable?: (e: unknown) => void },
): JsonCache<T> {
  const key = (id: string) => `${o.prefix}${id}`;
  const tolerate = (e: unknown) => {
    if (!(e instanceof DependencyUnavailableError)) throw e;
    o.onUnavailable?.(e);
  };
  return {
    async get(id, load) {
      let hit: string | null = null;
      try {
        hit = await kv.get(key(id));
      } catch (e) {
        tolerate(e);
      }
      if (hit !== null) return JSON.parse(hit) as T;
      const value = await load();
      await kv.set(key(id), JSON.stringify(value), { ttlMs: o.ttlMs }).catch(tolerate);
      return value;
    },
    async forget(id) {
      await kv.del(key(id)).catch(tolerate);
    },
  };
}
