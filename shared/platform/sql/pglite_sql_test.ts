import { sqlContract } from "@colink/testing";
import { createPgliteSql } from "./pglite_sql.ts";

sqlContract("pglite", async () => {
  // One PGlite instance owns its data; every "client" of the fixture is that instance.
  const db = await createPgliteSql();
  return { open: () => Promise.resolve(db), dispose: () => db.close() };
});

Deno.test("createPgliteSql() keeps data in its data dir across restarts", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await createPgliteSql({ dataDir: dir });
    await first.exec("create table kept (v text); insert into kept values ('still here');");
    await first.close();
    const second = await createPgliteSql({ dataDir: dir });
    const rows = await second.query("select v from kept");
    await second.close();
    if (rows[0]?.v !== "still here") throw new Error(`lost data: ${JSON.stringify(rows)}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
