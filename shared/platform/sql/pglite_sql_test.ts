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

Deno.test("createPgliteSql() runs Postgres with a small buffer cache (embedded memory)", async () => {
  const db = await createPgliteSql();
  try {
    const [row] = await db.query<{ shared_buffers: string }>("show shared_buffers");
    // The server default (128MB) sits in WASM memory that is never given back.
    if (row?.shared_buffers !== "16MB") {
      throw new Error(`shared_buffers is ${row?.shared_buffers}, not 16MB`);
    }
  } finally {
    await db.close();
  }
});
