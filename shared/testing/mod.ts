export { eventually, sleep, uniqueSuffix } from "./wait.ts";
export { realServers, requireServer, type RealServers } from "./real_servers.ts";
export { type SqlFixture, sqlContract } from "./contracts/sql_contract.ts";
export { eventBusContract } from "./contracts/event_bus_contract.ts";
export { keyValueContract, pubSubContract } from "./contracts/key_value_contract.ts";
export { blobStoreContract } from "./contracts/blob_store_contract.ts";
export { documentStoreContract } from "./contracts/document_store_contract.ts";
