import { keyValueContract, pubSubContract, realServers, requireServer } from "@colink/testing";
import { createRedisKeyValue, createRedisPubSub } from "./redis_kv.ts";

keyValueContract("redis", async () => {
  const { REDIS_URL } = realServers();
  const kv = createRedisKeyValue(REDIS_URL, { prefix: "colink-contract:" });
  await requireServer("Redis", REDIS_URL, () => kv.ping());
  return kv;
});

pubSubContract("redis", async () => {
  const { REDIS_URL } = realServers();
  const ps = createRedisPubSub(REDIS_URL, { prefix: "colink-contract:" });
  await requireServer("Redis", REDIS_URL, () => ps.publish("colink:ping", "1"));
  return ps;
});
