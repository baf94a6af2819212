// Ports and embedded adapters. Real adapters live behind subpath exports (@colink/platform/kafka,
// ...) so the embedded mode never loads their drivers; wiring.ts picks one or the other.
export * from "./sql/port.ts";
export { createPgliteSql } from "./sql/pglite_sql.ts";
export { loadMigrations, migrate, type MigrateResult, type Migration } from "./sql/migrate.ts";
export * from "./events/port.ts";
export { createMemoryBus } from "./events/memory_bus.ts";
export * from "./kv/port.ts";
export { createMemoryKeyValue, createMemoryPubSub } from "./kv/memory_kv.ts";
export * from "./blob/port.ts";
export {
  createFsBlobStore,
  type FsBlobStore,
  type FsBlobStoreOptions,
} from "./blob/fs_blob_store.ts";
export * from "./docs/port.ts";
export { createMemoryDocumentStore } from "./docs/memory_document_store.ts";
export {
  appendToOutbox,
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  STREAM_DOORBELL,
} from "./outbox/outbox.ts";
export { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from "./outbox/relay.ts";
export { consumeOnce } from "./outbox/consume_once.ts";
export * from "./scan/port.ts";
export { BUILTIN_SIGNATURES, createSignatureScanner } from "./scan/signature_scanner.ts";
export { createClamdScanner } from "./scan/clamd_scanner.ts";
export { base64url, randomSecret, sha256Base64url, sha256Hex } from "./encoding.ts";
export { type JsonCache, jsonCache } from "./kv/json_cache.ts";
