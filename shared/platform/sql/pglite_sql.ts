import { PGlite, types } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import type { Sql, SqlExecutor } from "./port.ts";

interface PgliteLike {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(script: string): Promise<unknown>;
}

function executor(db: PgliteLike): SqlExecutor {
  return {
    async query<T extends object>(text: string, params: readonly unknown[] = []) {
      const res = await db.query<T>(text, [...params]);
      return res.rows;
    },
    async exec(script: string) {
      await db.exec(script);
    },
  };
}

/**
 * Postgres's buffer cache inside the WASM heap. PGlite starts Postgres with the server default of
 * 128 MB, which it touches at start-up and WASM memory never gives back: most of an idle
 * `deno task dev` process's resident memory. One user's dev or test database fits in far less,
 * and pages that miss it are still in the operating system's file cache.
 */
const PGLITE_SHARED_BUFFERS = "16MB";

/**
 * The embedded SQL adapter: PostgreSQL compiled to WASM, persisted in `dataDir` (in memory when
 * omitted). One process owns a data dir; PGlite serialises queries and transactions internally.
 */
export async function createPgliteSql(opts: { dataDir?: string } = {}): Promise<Sql> {
  if (opts.dataDir) await Deno.mkdir(opts.dataDir, { recursive: true });
  const db = await PGlite.create(opts.dataDir, {
    parsers: { [types.INT8]: (v: string) => Number(v) },
    // Trigram indexes (search: partial words); loaded only when a migration creates it.
    extensions: { pg_trgm },
    startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
  });
  return {
    kind: "pglite",
    ...executor(db),
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      return db.transaction((tx) => fn(executor(tx)));
    },
    async ping() {
      await db.query("select 1");
    },
    async close() {
      if (!db.closed) await db.close();
    },
  };
}
