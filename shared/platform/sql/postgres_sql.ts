import postgres from "postgres";
import type { Sql, SqlExecutor } from "./port.ts";

export interface PostgresSqlOptions {
  url: string;
  maxConnections?: number;
  /** Shown in pg_stat_activity, so operators can tell services apart. */
  applicationName?: string;
}

type Client = postgres.Sql | postgres.TransactionSql;

const jsonText = (x: unknown) => (typeof x === "string" ? x : JSON.stringify(x));

function executor(client: Client): SqlExecutor {
  return {
    async query<T extends object>(text: string, params: readonly unknown[] = []) {
      // Parameterised statements are prepared (named, cached per connection): one round trip
      // and no re-planning per call, which halves the cost of the short statements we run.
      const rows = await client.unsafe(text, params as postgres.ParameterOrJSON<never>[], {
        prepare: params.length > 0,
      });
      return [...rows] as unknown as T[];
    },
    async exec(script: string) {
      await client.unsafe(script);
    },
  };
}

/** The real SQL adapter: a pooled PostgreSQL client. */
export function createPostgresSql(opts: PostgresSqlOptions): Sql {
  const client = postgres(opts.url, {
    max: opts.maxConnections ?? 10,
    onnotice: () => {},
    connection: { application_name: opts.applicationName ?? "colink" },
    // Same conventions as the PGlite adapter: int8 as number (our counters and sequences stay
    // far below 2^53); json/jsonb parameters are JSON text, passed through as-is.
    types: {
      jsonb: { to: 3802, from: [3802], serialize: jsonText, parse: (x: string) => JSON.parse(x) },
      json: { to: 114, from: [114], serialize: jsonText, parse: (x: string) => JSON.parse(x) },
      int8: {
        to: 20,
        from: [20],
        serialize: (x: number) => String(x),
        parse: (x: string) => Number(x),
      },
    },
  });
  return {
    kind: "postgres",
    ...executor(client),
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      return client.begin((tx) => fn(executor(tx))) as Promise<T>;
    },
    async ping() {
      await client.unsafe("select 1");
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}
