import { createPostgresSql } from "@colink/platform/postgres";
import { conversationStoresContract, freshPostgresDatabase } from "@colink/testing";

conversationStoresContract("postgres", async () => {
  const db = await freshPostgresDatabase("stores");
  // Enough connections for the suite's concurrent transactions to really run side by side.
  const sql = createPostgresSql({ url: db.url, maxConnections: 10 });
  return {
    sql,
    async dispose() {
      await sql.close();
      await db.drop();
    },
  };
});
