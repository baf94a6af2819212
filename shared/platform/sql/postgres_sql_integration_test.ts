import { freshPostgresDatabase, sqlContract } from "@colink/testing";
import { createPostgresSql } from "./postgres_sql.ts";
import type { Sql } from "./port.ts";

sqlContract("postgres", async () => {
  const db = await freshPostgresDatabase("contract");
  const clients: Sql[] = [];
  return {
    open() {
      const c = createPostgresSql({ url: db.url, maxConnections: 4 });
      clients.push(c);
      return Promise.resolve(c);
    },
    async dispose() {
      await Promise.all(clients.map((c) => c.close()));
      await db.drop();
    },
  };
});
