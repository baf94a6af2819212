import { colinkMigrations } from "@colink/db";
import { createPgliteSql, migrate } from "@colink/platform";
import { postgresIndex } from "./postgres_index.ts";
import { searchIndexContract } from "./search_index_contract.ts";

searchIndexContract("postgres on pglite", async () => {
  const sql = await createPgliteSql();
  await migrate(sql, await colinkMigrations());
  return { index: postgresIndex(sql), dispose: () => sql.close() };
});
