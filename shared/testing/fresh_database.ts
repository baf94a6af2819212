import { createPostgresSql } from "@colink/platform/postgres";
import { realServers, requireServer } from "./real_servers.ts";
import { uniqueSuffix } from "./wait.ts";

export interface FreshDatabase {
  /** Connection URL of a new, empty database on the real PostgreSQL. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A database of the test's own on the real server, so tests never see each other's rows. */
export async function freshPostgresDatabase(label: string): Promise<FreshDatabase> {
  const { DATABASE_URL } = realServers();
  const admin = createPostgresSql({ url: DATABASE_URL, maxConnections: 1 });
  await requireServer("PostgreSQL", DATABASE_URL, () => admin.ping());
  const name = `colink_${label}_${uniqueSuffix()}`;
  await admin.exec(`create database ${name}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      await admin.exec(`drop database if exists ${name} with (force)`);
      await admin.close();
    },
  };
}
