import type { KeyValue, PubSub } from "./port.ts";
import { WrongTypeError } from "./port.ts";

type Value = string | Map<string, string> | Set<string>;
interface Entry {
  value: Value;
  expiresAt?: number;
}

/** The in-memory store, plus what only an in-process store can tell: how many keys it holds. */
export interface MemoryKeyValue extends KeyValue {
  readonly kind: "memory";
  /** Keys held, expired ones included until the sweeper removes them. */
  readonly size: number;
}

/** Expired keys are swept this often (Redis's active expiry runs ten times a second). */
const SWEEP_EVERY_MS = 250;
/** Expiry times are grouped into buckets this wide, so a sweep visits only due keys. */
const BUCKET_MS = 250;

/**
 * In-memory KeyValue with Redis's semantics for the operations we use. Like Redis it expires
 * keys both lazily (a read of an expired key deletes it) and actively: keys that are never read
 * again (rate-limit windows) are swept by a timer, so memory stays bounded by the live keys.
 */
export function createMemoryKeyValue(now: () => number = Date.now): MemoryKeyValue {
  const data = new Map<string, Entry>();
  // bucket start → keys whose expiry falls in it (a key may linger in an older bucket after its
  // TTL changed; the sweep re-checks each key's current expiry).
  const due = new Map<number, Set<string>>();
  let timer: ReturnType<typeof setInterval> | undefined;

  function sweep() {
    const t = now();
    for (const [bucket, keys] of due) {
      if (bucket + BUCKET_MS > t) continue;
      for (const k of keys) {
        const e = data.get(k);
        if (e?.expiresAt === undefined) continue;
        if (e.expiresAt <= t) data.delete(k);
        else schedule(k, e.expiresAt);
      }
      due.delete(bucket);
    }
    if (due.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  function schedule(key: string, expiresAt: number) {
    const bucket = expiresAt - (expiresAt % BUCKET_MS);
    let keys = due.get(bucket);
    if (!keys) due.set(bucket, keys = new Set());
    keys.add(key);
    if (timer === undefined) {
      const t = setInterval(sweep, SWEEP_EVERY_MS);
      // The sweeper never keeps a process (or a test) alive on its own.
      Deno.unrefTimer(t);
      timer = t;
    }
  }

  function put(key: string, value: Value, expiresAt: number | undefined) {
    data.set(key, { value, expiresAt });
    if (expiresAt !== undefined) schedule(key, expiresAt);
  }

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
  const setTtl = (key: string, e: Entry, ttlMs: number) => {
    e.expiresAt = now() + ttlMs;
    schedule(key, e.expiresAt);
  };
  // Promise-returning wrappers that turn a throw into a rejection, like a remote store's errors.
  const run = <T>(f: () => T): Promise<T> => new Promise((resolve) => resolve(f()));

  return {
    kind: "memory",
    get size() {
      return data.size;
    },
    get: (key) => run(() => typed(key, isString) ?? null),
    set(key, value, o = {}) {
      if (o.onlyIfAbsent && live(key)) return Promise.resolve(false);
      put(key, value, o.ttlMs !== undefined ? now() + o.ttlMs : undefined);
      return Promise.resolve(true);
    },
    del(...keys) {
      let n = 0;
      for (const k of keys) if (live(k) && data.delete(k)) n++;
      return Promise.resolve(n);
    },
    delIfEquals(key, value) {
      return run(() => typed(key, isString) === value && data.delete(key));
    },
    incr(key, o = {}) {
      return run(() => {
        const existing = live(key);
        const current = typed(key, isString);
        const n = Number(current ?? "0");
        if (!Number.isInteger(n)) throw new Error(`value at ${key} is not an integer`);
        const next = n + (o.by ?? 1);
        // An existing counter keeps its entry and expiry: no re-scheduling on the hot path.
        if (existing) existing.value = String(next);
        else put(key, String(next), o.ttlMs !== undefined ? now() + o.ttlMs : undefined);
        return next;
      });
    },
    expire(key, ttlMs) {
      const e = live(key);
      if (e) setTtl(key, e, ttlMs);
      return Promise.resolve(!!e);
    },
    ttl(key) {
      const e = live(key);
      return Promise.resolve(e?.expiresAt !== undefined ? Math.max(0, e.expiresAt - now()) : null);
    },
    hset(key, fields, o = {}) {
      return run(() => {
        const h = typed(key, isHash, () => new Map())!;
        for (const [f, v] of Object.entries(fields)) h.set(f, v);
        if (o.ttlMs !== undefined) setTtl(key, data.get(key)!, o.ttlMs);
      });
    },
    hgetall: (key) => run(() => Object.fromEntries(typed(key, isHash) ?? new Map())),
    sadd(key, ...members) {
      return run(() => {
        const s = typed(key, isSet, () => new Set())!;
        const before = s.size;
        members.forEach((m) => s.add(m));
        return s.size - before;
      });
    },
    srem(key, ...members) {
      return run(() => {
        const s = typed(key, isSet);
        if (!s) return 0;
        let n = 0;
        for (const m of members) if (s.delete(m)) n++;
        if (s.size === 0) data.delete(key);
        return n;
      });
    },
    smembers: (key) => run(() => [...(typed(key, isSet) ?? [])]),
    sismember: (key, member) => run(() => !!typed(key, isSet)?.has(member)),
    ping: () => Promise.resolve(),
    close() {
      clearInterval(timer);
      timer = undefined;
      data.clear();
      due.clear();
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
    connected: () => true,
    generation: () => 0,
    close() {
      subs.clear();
      return Promise.resolve();
    },
  };
}
