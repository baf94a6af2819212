import { Redis } from "ioredis";
import type { KeyValue, PubSub } from "./port.ts";
import { KeyValueUnavailableError, WrongTypeError } from "./port.ts";

// INCRBY, and PEXPIRE only when this call created the key: one round trip, atomic.
const INCR_WITH_TTL = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 and v == tonumber(ARGV[1]) and redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return v`;

// Compare-and-delete: a lock is released only by the holder of its token.
const DEL_IF_EQUALS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface RedisOptions {
  /** Namespaces every key (and pub/sub channel) of one deployment sharing a Redis. */
  prefix?: string;
  /** A command not answered within this is failed (Redis hung, network partition). */
  commandTimeoutMs?: number;
  /** After this many consecutive failures the breaker opens: calls fail at once... */
  breakerThreshold?: number;
  /** ...for this long, then one call at a time probes whether Redis is back. */
  breakerOpenMs?: number;
}

/**
 * Redis through ioredis, failing fast when Redis is away: a disconnected client rejects at once
 * (nothing waits in ioredis' offline queue for a reconnect), a hung server costs at most
 * `commandTimeoutMs`, and after repeated failures a circuit breaker skips Redis entirely for a
 * moment. Every such failure is a KeyValueUnavailableError, so callers degrade within a bounded
 * time; ioredis keeps reconnecting in the background and the first success closes the breaker.
 */
function connect(url: string, o: RedisOptions, keyPrefix: boolean) {
  const r = new Redis(url, {
    keyPrefix: (keyPrefix && o.prefix) || undefined,
    lazyConnect: false,
    // Queue commands only during the very first connect; afterwards a lost connection fails them.
    enableOfflineQueue: true,
    maxRetriesPerRequest: 0,
    commandTimeout: o.commandTimeoutMs ?? 500,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
    // Commands issued in the same tick share one write: the rate limiter's counters of a
    // burst of requests cost one round trip instead of one each.
    enableAutoPipelining: true,
  });
  // EVALSHA of a script Redis keeps, instead of sending the script with every call.
  r.defineCommand("incrWithTtl", { numberOfKeys: 1, lua: INCR_WITH_TTL });
  let readyOnce = false;
  r.on("ready", () => (readyOnce = true));
  // ioredis logs unhandled "error" events to the console on every reconnect attempt; the
  // breaker and the callers' logs already say that Redis is away.
  r.on("error", () => {});
  const threshold = o.breakerThreshold ?? 3;
  const openMs = o.breakerOpenMs ?? 1_000;
  let failures = 0;
  let openUntil = 0;
  let probing = false;

  async function guard<T>(key: string, op: () => Promise<T>): Promise<T> {
    const status = r.status;
    if (readyOnce && status !== "ready") {
      throw new KeyValueUnavailableError(`redis connection is ${status}`);
    }
    const halfOpen = failures >= threshold;
    if (halfOpen && (Date.now() < openUntil || probing)) {
      throw new KeyValueUnavailableError("redis circuit breaker is open");
    }
    probing = halfOpen;
    try {
      const result = await op();
      failures = 0;
      return result;
    } catch (e) {
      if (e instanceof Error && e.name === "ReplyError") {
        failures = 0; // Redis answered: it is up; the command itself was wrong
        if (e.message.startsWith("WRONGTYPE")) throw new WrongTypeError(key);
        throw e;
      }
      if (++failures >= threshold) openUntil = Date.now() + openMs;
      throw new KeyValueUnavailableError(
        `redis did not answer: ${e instanceof Error ? e.message : e}`,
        { cause: e },
      );
    } finally {
      if (halfOpen) probing = false;
    }
  }
  return { r, guard };
}

/** Redis refuses a zero or fractional millisecond TTL. */
const px = (ms: number) => Math.max(1, Math.round(ms));

async function quit(r: Redis) {
  await r.quit().catch(() => r.disconnect());
}

/** The real KeyValue: Redis. */
export function createRedisKeyValue(url: string, o: RedisOptions = {}): KeyValue {
  const { r, guard } = connect(url, o, true);
  const scripted = r as unknown as {
    incrWithTtl(key: string, by: number, ttlMs: number): Promise<number | string>;
  };
  return {
    kind: "redis",
    get: (key) => guard(key, () => r.get(key)),
    set(key, value, o = {}) {
      const args: (string | number)[] = [];
      if (o.ttlMs !== undefined) args.push("PX", px(o.ttlMs));
      if (o.onlyIfAbsent) args.push("NX");
      // deno-lint-ignore no-explicit-any
      return guard(key, async () => (await (r.set as any)(key, value, ...args)) === "OK");
    },
    del: (...keys) => keys.length ? guard(keys[0]!, () => r.del(...keys)) : Promise.resolve(0),
    delIfEquals: (key, value) =>
      guard(key, async () => Number(await r.eval(DEL_IF_EQUALS, 1, key, value)) === 1),
    incr: (key, o = {}) =>
      guard(
        key,
        async () => Number(await scripted.incrWithTtl(key, o.by ?? 1, Math.round(o.ttlMs ?? 0))),
      ),
    expire: (key, ttlMs) => guard(key, async () => (await r.pexpire(key, px(ttlMs))) === 1),
    ttl: (key) =>
      guard(key, async () => {
        const t = await r.pttl(key);
        return t < 0 ? null : t;
      }),
    hset: (key, fields, o = {}) =>
      guard(key, async () => {
        if (o.ttlMs === undefined) return void (await r.hset(key, fields));
        // MULTI/EXEC: the fields and the expiry land together or not at all.
        const res = await r.multi().hset(key, fields).pexpire(key, px(o.ttlMs)).exec();
        const failed = res?.find(([err]) => err)?.[0];
        if (failed) throw failed;
      }),
    hgetall: (key) => guard(key, () => r.hgetall(key)),
    sadd: (key, ...m) => guard(key, () => r.sadd(key, ...m)),
    srem: (key, ...m) => guard(key, () => r.srem(key, ...m)),
    smembers: (key) => guard(key, () => r.smembers(key)),
    sismember: (key, m) => guard(key, async () => (await r.sismember(key, m)) === 1),
    ping: () => guard("", async () => void (await r.ping())),
    close: () => quit(r),
  };
}

/** The real PubSub: Redis PUBLISH/SUBSCRIBE, one connection for publishing, one for listening. */
export function createRedisPubSub(url: string, o: RedisOptions = {}): PubSub {
  const prefix = o.prefix ?? "";
  // keyPrefix does not apply to channels: prefix them here, strip the prefix on delivery.
  // ioredis re-subscribes by itself after a reconnect.
  const pub = connect(url, o, false);
  const sub = connect(url, o, false);
  const handlers = new Map<string, Set<(m: string) => void>>();
  const pending = new Map<string, Promise<void>>();
  let generation = 0;
  sub.r.on("ready", () => generation++);
  sub.r.on("message", (channel: string, message: string) => {
    handlers.get(channel.slice(prefix.length))?.forEach((h) => h(message));
  });
  return {
    kind: "redis",
    publish: (channel, message) =>
      pub.guard(channel, async () => void (await pub.r.publish(prefix + channel, message))),
    async subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        const subscribing = sub.guard(channel, async () => {
          await sub.r.subscribe(prefix + channel);
        });
        pending.set(channel, subscribing);
        // Not subscribed: forget the channel, so that a retry subscribes for real.
        subscribing.catch(() => handlers.get(channel) === set && handlers.delete(channel))
          .finally(() => pending.delete(channel));
      }
      // Callers that arrive while the SUBSCRIBE is in flight share its outcome.
      await pending.get(channel);
      set.add(handler);
      return async () => {
        set.delete(handler);
        if (set.size === 0 && handlers.get(channel) === set) {
          handlers.delete(channel);
          await sub.guard(channel, () => sub.r.unsubscribe(prefix + channel));
        }
      };
    },
    connected: () => sub.r.status === "ready",
    generation: () => generation,
    async close() {
      await Promise.all([quit(pub.r), quit(sub.r)]);
    },
  };
}
