import { colinkMigrations } from "@colink/db";
import { migrate } from "@colink/platform";
import { createPostgresSql } from "@colink/platform/postgres";
import { freshPostgresDatabase, realServers, requireServer, uniqueSuffix } from "@colink/testing";
import { dropOpenSearchIndexes, openSearchIndex } from "./opensearch_index.ts";
import { postgresIndex } from "./postgres_index.ts";
import { searchIndexContract } from "./search_index_contract.ts";

searchIndexContract("postgres", async () => {
  const db = await freshPostgresDatabase("searchindex");
  const sql = createPostgresSql({ url: db.url, maxConnections: 2 });
  await migrate(sql, await colinkMigrations());
  return {
    index: postgresIndex(sql),
    async dispose() {
      await sql.close();
      await db.drop();
    },
  };
});

searchIndexContract("opensearch", async () => {
  const url = realServers().OPENSEARCH_URL;
  await requireServer("OpenSearch", url, async () => {
    const res = await fetch(url);
    await res.body?.cancel();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  });
  const prefix = `colink-contract-${uniqueSuffix().toLowerCase().replace(/[^a-z0-9]/g, "")}-`;
  return {
    index: openSearchIndex({ url, prefix }),
    dispose: () => dropOpenSearchIndexes(url, prefix),
  };
});
