import { Redis } from "ioredis";
import type { KeyValue, PubSub } from "./port.ts";
import { WrongTypeError } from "./port.ts";

const wrap = async <T>(key: string, op: () => Promise<T>): Promise<T> => {
  try {
    return await op();
  } catch (e) {
    if (e instanceof Error && e.message.startsWith("WRONGTYPE")) throw new WrongTypeError(key);
    throw e;
  }
};

// INCRBY, and PEXPIRE only when this call created the key: one round trip, atomic.
const INCR_WITH_TTL = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 and v == tonumber(ARGV[1]) and redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return v`;

/** `prefix` namespaces every key (and pub/sub channel) of one deployment sharing a Redis. */
function connect(url: string, prefix = ""): Redis {
  return new Redis(url, {
    keyPrefix: prefix || undefined,
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectTimeout: 3_000,
  });
}

/** The real KeyValue: Redis. */
export function createRedisKeyValue(url: string, prefix = ""): KeyValue {
  const r = connect(url, prefix);
  return {
    kind: "redis",
    get: (key) => wrap(key, () => r.get(key)),
    async set(key, value, o = {}) {
      const args: (string | number)[] = [];
      if (o.ttlMs !== undefined) args.push("PX", Math.max(1, Math.round(o.ttlMs)));
      if (o.onlyIfAbsent) args.push("NX");
      // deno-lint-ignore no-explicit-any
      const res = await (r.set as any)(key, value, ...args);
      return res === "OK";
    },
    del: (...keys) => (keys.length ? r.del(...keys) : Promise.resolve(0)),
    incr: (key, o = {}) =>
      wrap(
        key,
        async () =>
          Number(await r.eval(INCR_WITH_TTL, 1, key, o.by ?? 1, Math.round(o.ttlMs ?? 0))),
      ),
    async expire(key, ttlMs) {
      return (await r.pexpire(key, Math.max(1, Math.round(ttlMs)))) === 1;
    },
    async ttl(key) {
      const t = await r.pttl(key);
      return t < 0 ? null : t;
    },
    hset: (key, fields) => wrap(key, async () => void (await r.hset(key, fields))),
    hgetall: (key) => wrap(key, () => r.hgetall(key)),
    sadd: (key, ...m) => wrap(key, () => r.sadd(key, ...m)),
    srem: (key, ...m) => wrap(key, () => r.srem(key, ...m)),
    smembers: (key) => wrap(key, () => r.smembers(key)),
    sismember: (key, m) => wrap(key, async () => (await r.sismember(key, m)) === 1),
    async ping() {
      await r.ping();
    },
    async close() {
      await r.quit().catch(() => r.disconnect());
    },
  };
}

/** The real PubSub: Redis PUBLISH/SUBSCRIBE, one connection for publishing, one for listening. */
export function createRedisPubSub(url: string, prefix = ""): PubSub {
  // keyPrefix does not apply to channels: prefix them here, strip the prefix on delivery.
  const pub = connect(url);
  const sub = connect(url);
  const handlers = new Map<string, Set<(m: string) => void>>();
  sub.on("message", (channel: string, message: string) => {
    handlers.get(channel.slice(prefix.length))?.forEach((h) => h(message));
  });
  return {
    kind: "redis",
    async publish(channel, message) {
      await pub.publish(prefix + channel, message);
    },
    async subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await sub.subscribe(prefix + channel);
      }
      set.add(handler);
      return async () => {
        set.delete(handler);
        if (set.size === 0 && handlers.get(channel) === set) {
          handlers.delete(channel);
          await sub.unsubscribe(prefix + channel);
        }
      };
    },
    async close() {
      await Promise.all([
        pub.quit().catch(() => pub.disconnect()),
        sub.quit().catch(() => sub.disconnect()),
      ]);
    },
  };
}
