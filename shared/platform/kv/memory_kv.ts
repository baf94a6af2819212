import type { KeyValue, PubSub } from "./port.ts";
import { WrongTypeError } from "./port.ts";

type Value = string | Map<string, string> | Set<string>;
interface Entry {
  value: Value;
  expiresAt?: number;
}

/** In-memory KeyValue with Redis's semantics for the operations we use. */
export function createMemoryKeyValue(now: () => number = Date.now): KeyValue {
  const data = new Map<string, Entry>();

  const live = (key: string): Entry | undefined => {
    const e = data.get(key);
    if (e?.expiresAt !== undefined && e.expiresAt <= now()) {
      data.delete(key);
      return undefined;
    }
    return e;
  };
  function typed<T extends Value>(
    key: string,
    is: (v: Value) => v is T,
    make?: () => T,
  ): T | undefined {
    const e = live(key);
    if (!e) {
      if (!make) return undefined;
      const value = make();
      data.set(key, { value });
      return value;
    }
    if (!is(e.value)) throw new WrongTypeError(key);
    return e.value;
  }
  const isString = (v: Value): v is string => typeof v === "string";
  const isHash = (v: Value): v is Map<string, string> => v instanceof Map;
  const isSet = (v: Value): v is Set<string> => v instanceof Set;

  return {
    kind: "memory",
    get: (key) => Promise.resolve(typed(key, isString) ?? null),
    set(key, value, o = {}) {
      if (o.onlyIfAbsent && live(key)) return Promise.resolve(false);
      data.set(key, { value, expiresAt: o.ttlMs !== undefined ? now() + o.ttlMs : undefined });
      return Promise.resolve(true);
    },
    del(...keys) {
      let n = 0;
      for (const k of keys) if (live(k) && data.delete(k)) n++;
      return Promise.resolve(n);
    },
    incr(key, o = {}) {
      return new Promise((resolve, reject) => {
        try {
          const existing = live(key);
          const current = typed(key, isString);
          const n = Number(current ?? "0");
          if (!Number.isInteger(n)) throw new Error(`value at ${key} is not an integer`);
          const next = n + (o.by ?? 1);
          data.set(key, {
            value: String(next),
            expiresAt: existing
              ? existing.expiresAt
              : o.ttlMs !== undefined
              ? now() + o.ttlMs
              : undefined,
          });
          resolve(next);
        } catch (e) {
          reject(e);
        }
      });
    },
    expire(key, ttlMs) {
      const e = live(key);
      if (e) e.expiresAt = now() + ttlMs;
      return Promise.resolve(!!e);
    },
    ttl(key) {
      const e = live(key);
      return Promise.resolve(e?.expiresAt !== undefined ? Math.max(0, e.expiresAt - now()) : null);
    },
    hset(key, fields) {
      return new Promise((resolve) => {
        const h = typed(key, isHash, () => new Map())!;
        for (const [f, v] of Object.entries(fields)) h.set(f, v);
        resolve();
      });
    },
    hgetall: (key) =>
      new Promise((resolve) => resolve(Object.fromEntries(typed(key, isHash) ?? new Map()))),
    sadd(key, ...members) {
      return new Promise((resolve) => {
        const s = typed(key, isSet, () => new Set())!;
        const before = s.size;
        members.forEach((m) => s.add(m));
        resolve(s.size - before);
      });
    },
    srem(key, ...members) {
      return new Promise((resolve) => {
        const s = typed(key, isSet);
        if (!s) return resolve(0);
        let n = 0;
        for (const m of members) if (s.delete(m)) n++;
        if (s.size === 0) data.delete(key);
        resolve(n);
      });
    },
    smembers: (key) => new Promise((resolve) => resolve([...(typed(key, isSet) ?? [])])),
    sismember: (key, member) => new Promise((resolve) => resolve(!!typed(key, isSet)?.has(member))),
    ping: () => Promise.resolve(),
    close() {
      data.clear();
      return Promise.resolve();
    },
  };
}

/** In-process pub/sub: delivery is asynchronous, like Redis, so publishers never re-enter. */
export function createMemoryPubSub(): PubSub {
  const subs = new Map<string, Set<(m: string) => void>>();
  return {
    kind: "memory",
    publish(channel, message) {
      for (const h of subs.get(channel) ?? []) queueMicrotask(() => h(message));
      return Promise.resolve();
    },
    subscribe(channel, handler) {
      const set = subs.get(channel) ?? new Set();
      subs.set(channel, set);
      set.add(handler);
      return Promise.resolve(() => {
        set.delete(handler);
        return Promise.resolve();
      });
    },
    close() {
      subs.clear();
      return Promise.resolve();
    },
  };
}
