import { keyValueContract, pubSubContract } from "@colink/testing";
import { createMemoryKeyValue, createMemoryPubSub } from "./memory_kv.ts";

keyValueContract("memory", () => Promise.resolve(createMemoryKeyValue()));
pubSubContract("memory", () => Promise.resolve(createMemoryPubSub()));
