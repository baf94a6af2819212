/**
 * Key-value port (Redis through ioredis, or in-memory): strings with TTL, counters, hashes and
 * sets. TTLs are in milliseconds; a key past its TTL is gone for every operation.
 */
export interface KeyValue {
  readonly kind: "redis" | "memory";
  get(key: string): Promise<string | null>;
  /** Returns false when `onlyIfAbsent` is set and the key exists. */
  set(
    key: string,
    value: string,
    opts?: { ttlMs?: number; onlyIfAbsent?: boolean },
  ): Promise<boolean>;
  del(...keys: string[]): Promise<number>;
  /** Adds `by` (default 1); a key created by this call gets `ttlMs`, an existing one keeps its TTL. */
  incr(key: string, opts?: { by?: number; ttlMs?: number }): Promise<number>;
  expire(key: string, ttlMs: number): Promise<boolean>;
  /** Remaining TTL in ms; null when the key has none or does not exist. */
  ttl(key: string): Promise<number | null>;
  hset(key: string, fields: Record<string, string>): Promise<void>;
  hgetall(key: string): Promise<Record<string, string>>;
  sadd(key: string, ...members: string[]): Promise<number>;
  srem(key: string, ...members: string[]): Promise<number>;
  smembers(key: string): Promise<string[]>;
  sismember(key: string, member: string): Promise<boolean>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Fire-and-forget fan-out between processes (Redis pub/sub, or in-memory). */
export interface PubSub {
  readonly kind: "redis" | "memory";
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once the subscription is active; the returned function unsubscribes. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export class WrongTypeError extends Error {
  constructor(key: string) {
    super(`WRONGTYPE key ${key} holds another kind of value`);
    this.name = "WrongTypeError";
  }
}
