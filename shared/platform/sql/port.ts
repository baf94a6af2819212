/** A row as both adapters return it: int8 as number, timestamptz as Date, json/jsonb parsed. */
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  /** One parameterised statement ($1, $2, ...). */
  query<T extends object = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** A script of several statements without parameters (migrations, fixtures). */
  exec(script: string): Promise<void>;
}

/** The SQL port: PostgreSQL through `postgres`, or PGlite embedded. Same dialect, same types. */
export interface Sql extends SqlExecutor {
  readonly kind: "postgres" | "pglite";
  /** Runs fn in one transaction: commit when it resolves, roll back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** SQLSTATE of an error thrown by either adapter, if it is a database error. */
export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export const isUniqueViolation = (e: unknown): boolean => sqlState(e) === "23505";
export const isForeignKeyViolation = (e: unknown): boolean => sqlState(e) === "23503";
