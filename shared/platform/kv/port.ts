import { DependencyUnavailableError } from "@colink/contracts";

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
  /** Deletes the key only while it still holds `value` (releasing a lock only its owner holds). */
  delIfEquals(key: string, value: string): Promise<boolean>;
  /** Adds `by` (default 1); a key created by this call gets `ttlMs`, an existing one keeps its TTL. */
  incr(key: string, opts?: { by?: number; ttlMs?: number }): Promise<number>;
  expire(key: string, ttlMs: number): Promise<boolean>;
  /** Remaining TTL in ms; null when the key has none or does not exist. */
  ttl(key: string): Promise<number | null>;
  /** Sets hash fields; with `ttlMs`, the key's TTL is set in the same atomic step. */
  hset(key: string, fields: Record<string, string>, opts?: { ttlMs?: number }): Promise<void>;
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
  /**
   * Whether subscriptions receive messages right now (false while the connection is down, when
   * messages published meanwhile are lost). Caches invalidated by messages shorten their TTL then.
   */
  connected(): boolean;
  /**
   * Changes every time the subscriptions' connection is re-established: messages published
   * while it was down are lost, so state built from an older generation may have missed some.
   */
  generation(): number;
  close(): Promise<void>;
}

/**
 * The store did not answer in time or is disconnected. Adapters fail fast with this instead of
 * queueing commands, so callers can degrade (fall back, or answer 503) within a bounded time.
 */
export class KeyValueUnavailableError extends DependencyUnavailableError {
  constructor(message = "key-value store unavailable", options?: { cause?: unknown }) {
    super("key-value store", message, options);
    this.name = "KeyValueUnavailableError";
  }
}

export class WrongTypeError extends Error {
  constructor(key: string) {
    super(`WRONGTYPE key ${key} holds another kind of value`);
    this.name = "WrongTypeError";
  }
}
