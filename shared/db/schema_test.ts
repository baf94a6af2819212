import assert from "node:assert/strict";
import { createPgliteSql, migrate } from "@colink/platform";
import { colinkMigrations, DEV_USERS, seedDevData } from "./mod.ts";

const SEED_TABLES = [
  "users",
  "user_status",
  "sessions",
  "workspaces",
  "channels",
  "channel_members",
  "direct_messages",
  "dm_participants",
  "messages",
  "threads",
  "reactions",
  "audit_log",
  "outbox",
  "processed_events",
];

Deno.test("the CoLink migrations create the seed's data model, and seeding twice changes nothing", async () => {
  const db = await createPgliteSql();
  try {
    const first = await migrate(db, await colinkMigrations());
    assert.ok(first.applied.length >= 2);
    const tables = (await db.query<{ t: string }>(
      "select table_name as t from information_schema.tables where table_schema = 'public'",
    )).map((r) => r.t);
    for (const t of SEED_TABLES) assert.ok(tables.includes(t), `missing table ${t}`);

    await seedDevData(db);
    await seedDevData(db);
    const members = await db.query<{ username: string; role: string }>(
      `select u.username, m.role from channel_members m join users u on u.id = m.user_id
       join channels c on c.id = m.channel_id where c.name = 'general' order by u.username`,
    );
    assert.deepEqual(members.map((m) => m.username), DEV_USERS.map((u) => u.username).sort());
  } finally {
    await db.close();
  }
});

Deno.test("a message must belong to exactly one conversation", async () => {
  const db = await createPgliteSql();
  try {
    await migrate(db, await colinkMigrations());
    await seedDevData(db);
    await assert.rejects(
      db.query("insert into messages (user_id, seq, content) values ($1, 1, 'orphan')", [
        DEV_USERS[0]!.id,
      ]),
      /check constraint/,
    );
  } finally {
    await db.close();
  }
});
