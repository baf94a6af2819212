/**
 * deno task search:reindex — rebuilds the search index from the messages and files tables, with a
 * progress bar, while CoLink keeps serving (see actions/reindex.ts). Uses the deployment's
 * settings: DATABASE_URL (PostgreSQL) when set, else the embedded PGlite in DATA_DIR (stop
 * `deno task dev` first: one process owns a PGlite data dir).
 */
import { colinkMigrations } from "@colink/db";
import { createPgliteSql, migrate, type Sql } from "@colink/platform";
import { progressBar } from "@colink/runtime";
import { reindex } from "./actions/reindex.ts";
import { postgresIndex } from "./index/postgres_index.ts";

const url = Deno.env.get("DATABASE_URL");
let sql: Sql;
if (url) {
  const { createPostgresSql } = await import("@colink/platform/postgres");
  sql = createPostgresSql({ url, maxConnections: 2, applicationName: "colink-search-reindex" });
} else {
  sql = await createPgliteSql({ dataDir: `${Deno.env.get("DATA_DIR") ?? "./data"}/pglite` });
}
try {
  await migrate(sql, await colinkMigrations());
  const bars = new Map<string, ReturnType<typeof progressBar>>();
  const started = performance.now();
  const n = await reindex(sql, postgresIndex(sql), (p) => {
    let bar = bars.get(p.kind);
    if (!bar) bars.set(p.kind, bar = progressBar(`reindex ${p.kind}`, p.total, p.kind));
    bar.update(p.done);
  });
  console.error(
    `[search:reindex] ${n.messages.toLocaleString("en")} messages and ${n.files} files in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s`,
  );
} finally {
  await sql.close();
}
