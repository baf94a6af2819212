import { eventBusContract } from "@colink/testing";
import { createMemoryBus } from "./memory_bus.ts";

eventBusContract("memory", () => Promise.resolve(createMemoryBus()));
