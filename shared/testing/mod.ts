export { eventually, freePort, sleep, uniqueSuffix } from "./wait.ts";
export { type RealServers, realServers, requireServer } from "./real_servers.ts";
export { sqlContract, type SqlFixture } from "./contracts/sql_contract.ts";
export { eventBusContract } from "./contracts/event_bus_contract.ts";
export { keyValueContract, pubSubContract } from "./contracts/key_value_contract.ts";
export { blobStoreContract } from "./contracts/blob_store_contract.ts";
export { documentStoreContract } from "./contracts/document_store_contract.ts";
export { outboxContract, type OutboxFixture } from "./contracts/outbox_contract.ts";
export { conversationStoresContract } from "./contracts/conversation_stores_contract.ts";
export { EICAR, virusScannerContract } from "./contracts/virus_scanner_contract.ts";
export {
  forgedTokensForIssuer,
  forgedTokenTable,
  type ForgeryKit,
  type TokenCase,
  tokenExpiringIn,
} from "./forged_tokens.ts";
export { type RunningProcess, startProcess } from "./process.ts";
export {
  type CheckedClient,
  checkedClient,
  createResponseChecker,
  type ResponseChecker,
} from "./openapi_check.ts";
export { passwordGrant } from "./tokens.ts";
export { type Browser, createBrowser, parseForm, signInWithForms } from "./browser.ts";
export { type FreshDatabase, freshPostgresDatabase } from "./fresh_database.ts";
export { distributedTestEnv } from "./distributed_env.ts";
export { type DedicatedRedis, dedicatedRedis } from "./dedicated_redis.ts";
export { type DedicatedKafka, dedicatedKafka } from "./dedicated_kafka.ts";
export { firstReply } from "./ws.ts";
export {
  baseEnv,
  type ChildServer,
  DENO_RUN_PERMISSIONS,
  drainTail,
  REPO_ROOT,
  spawnDeno,
  stopChild,
  waitHealthy,
} from "./child.ts";
export { createKeycloakUser, type KeycloakTestUser } from "./keycloak_admin.ts";
