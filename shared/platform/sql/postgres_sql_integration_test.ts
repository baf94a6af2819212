import { realServers, requireServer, sqlContract, uniqueSuffix } from "@colink/testing";
import { createPostgresSql } from "./postgres_sql.ts";
import type { Sql } from "./port.ts";

sqlContract("postgres", async () => {
  const { DATABASE_URL } = realServers();
  const admin = createPostgresSql({ url: DATABASE_URL, maxConnections: 1 });
  await requireServer("PostgreSQL", DATABASE_URL, () => admin.ping());
  const name = `colink_contract_${uniqueSuffix()}`;
  await admin.exec(`create database ${name}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  const clients: Sql[] = [];
  return {
    open() {
      const c = createPostgresSql({ url: url.toString(), maxConnections: 4 });
      clients.push(c);
      return Promise.resolve(c);
    },
    async dispose() {
      await Promise.all(clients.map((c) => c.close()));
      await admin.exec(`drop database if exists ${name} with (force)`);
      await admin.close();
    },
  };
});
