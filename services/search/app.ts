import { defineService } from "@colink/runtime";
import { postgresIndex } from "./index/postgres_index.ts";
import { startIndexer } from "./actions/indexer.ts";
import { searchRoutes } from "./routes/search_routes.ts";

/**
 * The search service: ranked, permission-aware message and file search over an index it keeps
 * from the message.* and file.uploaded events (PostgreSQL full text + trigrams).
 */
export const searchService = defineService({
  name: "search",
  needs: ["sql", "bus"],
  paths: [{ prefix: "/api/v1/search", access: "caller" }],
  routes: (d) =>
    searchRoutes(
      { sql: d.infra.sql, index: postgresIndex(d.infra.sql), now: () => new Date() },
      d.auth,
    ),
  background: (d) => {
    let sub: { close(): Promise<void> } | undefined;
    const started = startIndexer({
      bus: d.infra.bus,
      sql: d.infra.sql,
      index: (tx) => postgresIndex(tx),
      logger: d.logger,
    }).then((s) => (sub = s)).catch((e) =>
      d.logger.error("search: indexer did not start", { err: e })
    );
    return async () => {
      await started;
      await sub?.close();
    };
  },
});
