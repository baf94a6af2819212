import { createPgliteSql } from "@colink/platform";
import { conversationStoresContract } from "@colink/testing";

conversationStoresContract("pglite", async () => {
  // In memory: the suite's database lives and dies with the test.
  const sql = await createPgliteSql();
  return { sql, dispose: () => sql.close() };
});
