import { sha256Hex } from "../encoding.ts";
import type { Sql } from "./port.ts";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface MigrateResult {
  applied: string[];
  skipped: number;
}

/** Arbitrary but fixed: every CoLink instance migrating the same database contends on it. */
const MIGRATION_LOCK_KEY = 4_204_202_411;

/** Reads `NNNN_name.sql` files from a directory, ordered by version. */
export async function loadMigrations(dir: URL): Promise<Migration[]> {
  const found: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(entry.name);
    if (!entry.isFile || !m) continue;
    found.push({
      version: Number(m[1]),
      name: m[2]!,
      sql: await Deno.readTextFile(new URL(entry.name, dir)),
    });
  }
  found.sort((a, b) => a.version - b.version);
  for (let i = 1; i < found.length; i++) {
    if (found[i]!.version === found[i - 1]!.version) {
      throw new Error(`two migrations share version ${found[i]!.version}`);
    }
  }
  return found;
}

/**
 * Applies each migration at most once, each in its own transaction, under a transaction-scoped
 * advisory lock so instances starting together queue instead of racing. A migration whose text
 * changed after it was applied is refused: edit history by adding a migration, never in place.
 */
export async function migrate(db: Sql, migrations: Migration[]): Promise<MigrateResult> {
  const result: MigrateResult = { applied: [], skipped: 0 };
  for (const m of migrations) {
    const checksum = await sha256Hex(m.sql);
    await db.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
      await tx.exec(`create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now())`);
      const [done] = await tx.query<{ checksum: string }>(
        "select checksum from schema_migrations where version = $1",
        [m.version],
      );
      if (done) {
        if (done.checksum !== checksum) {
          throw new Error(
            `migration ${m.version}_${m.name} changed after it was applied; add a new migration instead`,
          );
        }
        result.skipped++;
        return;
      }
      await tx.exec(m.sql);
      await tx.query(
        "insert into schema_migrations (version, name, checksum) values ($1, $2, $3)",
        [m.version, m.name, checksum],
      );
      result.applied.push(`${String(m.version).padStart(4, "0")}_${m.name}`);
    });
  }
  return result;
}
