import type { SqlExecutor } from "@colink/platform";
import { defineService, type ServiceDeps } from "@colink/runtime";
import { startIndexer } from "./actions/indexer.ts";
import { SearchConfig } from "./config.ts";
import { openSearchIndex } from "./index/opensearch_index.ts";
import type { SearchIndex } from "./index/port.ts";
import { postgresIndex } from "./index/postgres_index.ts";
import { searchRoutes } from "./routes/search_routes.ts";

/**
 * The index a service's writes go to: OpenSearch when configured (its writes are its own, not
 * the transaction's), else PostgreSQL over the executor given (the indexer's dedupe transaction).
 */
function indexFor(d: ServiceDeps<"sql" | "bus", SearchConfig>): (db: SqlExecutor) => SearchIndex {
  if (d.config.OPENSEARCH_URL) {
    const os = openSearchIndex({
      url: d.config.OPENSEARCH_URL,
      prefix: d.config.OPENSEARCH_INDEX_PREFIX,
    });
    return () => os;
  }
  return (db) => postgresIndex(db);
}

/**
 * The search service: ranked, permission-aware message and file search over an index it keeps
 * from the message.* and file.uploaded events (PostgreSQL full text + trigrams, or OpenSearch).
 */
export const searchService = defineService({
  name: "search",
  needs: ["sql", "bus"],
  paths: [{ prefix: "/api/v1/search", access: "caller" }],
  config: SearchConfig,
  routes: (d) =>
    searchRoutes(
      { sql: d.infra.sql, index: indexFor(d)(d.infra.sql), now: () => new Date() },
      d.auth,
    ),
  background: (d) => {
    let sub: { close(): Promise<void> } | undefined;
    const index = indexFor(d);
    const started = index(d.infra.sql).prepare()
      .then(() => startIndexer({ bus: d.infra.bus, sql: d.infra.sql, index, logger: d.logger }))
      .then((s) => (sub = s))
      .catch((e) => d.logger.error("search: indexer did not start", { err: e }));
    return async () => {
      await started;
      await sub?.close();
    };
  },
});
