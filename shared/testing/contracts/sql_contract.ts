import assert from "node:assert/strict";
import { isUniqueViolation, migrate, type Migration, type Sql, sqlState } from "@colink/platform";

export interface SqlFixture {
  /** A client on the suite's database; several calls must reach the same database. */
  open(): Promise<Sql>;
  dispose(): Promise<void>;
}

/** The SQL port's contract; every adapter must pass it (see DESIGN.md, "Ports and adapters"). */
export function sqlContract(adapter: string, makeFixture: () => Promise<SqlFixture>): void {
  Deno.test({
    name: `sql contract [${adapter}]`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const fx = await makeFixture();
      const db = await fx.open();
      try {
        await t.step(
          "returns int8 as number, timestamptz as Date, jsonb parsed, uuid as string",
          async () => {
            const [row] = await db.query(
              `select 9007199254740991::int8 as big, 42::int4 as small, '2026-01-02T03:04:05Z'::timestamptz as at,
                    '{"a":[1,"x"]}'::jsonb as doc, '6f1c1a52-3c1e-4d7b-9a51-0c6c2f4b5e11'::uuid as id,
                    null::text as nothing, true as yes, array['a','b']::text[] as tags`,
            );
            assert.deepEqual(row, {
              big: 9007199254740991,
              small: 42,
              at: new Date("2026-01-02T03:04:05Z"),
              doc: { a: [1, "x"] },
              id: "6f1c1a52-3c1e-4d7b-9a51-0c6c2f4b5e11",
              nothing: null,
              yes: true,
              tags: ["a", "b"],
            });
          },
        );

        await t.step("binds parameters of every kind we use", async () => {
          const at = new Date("2026-05-06T07:08:09.123Z");
          const [row] = await db.query(
            "select $1::text as s, $2::int8 as n, $3::timestamptz as at, $4::jsonb as j, $5::text[] as arr, $6::uuid[] as ids",
            ["it's", 7, at, JSON.stringify({ k: "v" }), ["x", "y"], [
              "6f1c1a52-3c1e-4d7b-9a51-0c6c2f4b5e11",
            ]],
          );
          assert.deepEqual(row, {
            s: "it's",
            n: 7,
            at,
            j: { k: "v" },
            arr: ["x", "y"],
            ids: ["6f1c1a52-3c1e-4d7b-9a51-0c6c2f4b5e11"],
          });
        });

        await t.step("exec() runs a multi-statement script", async () => {
          await db.exec(`create table kv (k text primary key, v int8 not null);
                         insert into kv values ('a', 1); insert into kv values ('b', 2);`);
          const rows = await db.query("select k, v from kv order by k");
          assert.deepEqual(rows, [{ k: "a", v: 1 }, { k: "b", v: 2 }]);
        });

        await t.step("transaction() commits when fn resolves and returns its value", async () => {
          const out = await db.transaction(async (tx) => {
            await tx.query("insert into kv values ('c', 3)");
            return "done";
          });
          assert.equal(out, "done");
          assert.equal((await db.query("select v from kv where k = 'c'"))[0]?.v, 3);
        });

        await t.step("transaction() rolls everything back when fn throws", async () => {
          await assert.rejects(
            db.transaction(async (tx) => {
              await tx.query("insert into kv values ('d', 4)");
              await tx.query("update kv set v = 100 where k = 'a'");
              throw new Error("boom");
            }),
            /boom/,
          );
          assert.deepEqual(await db.query("select k from kv where k = 'd'"), []);
          assert.equal((await db.query("select v from kv where k = 'a'"))[0]?.v, 1);
        });

        await t.step("reports a unique violation as SQLSTATE 23505", async () => {
          const err = await db.query("insert into kv values ('a', 9)").then(
            () => undefined,
            (e) => e,
          );
          assert.ok(err, "duplicate insert must fail");
          assert.equal(sqlState(err), "23505");
          assert.ok(isUniqueViolation(err));
        });

        await t.step(
          "a failed statement inside a transaction aborts only that transaction",
          async () => {
            await assert.rejects(db.transaction(async (tx) => {
              await tx.query("insert into kv values ('a', 9)");
            }));
            assert.equal((await db.query("select count(*)::int as n from kv"))[0]?.n, 3);
          },
        );

        await t.step(
          "concurrent read-modify-write transactions under a row lock lose no update",
          async () => {
            const clients = [db, await fx.open()];
            await Promise.all(
              Array.from({ length: 20 }, (_, i) =>
                clients[i % 2]!.transaction(async (tx) => {
                  const [row] = await tx.query<{ v: number }>(
                    "select v from kv where k = 'b' for update",
                  );
                  await tx.query("update kv set v = $1 where k = 'b'", [row!.v + 1]);
                })),
            );
            assert.equal((await db.query("select v from kv where k = 'b'"))[0]?.v, 22);
            if (clients[1] !== db) await clients[1]!.close();
          },
        );

        const m1: Migration = {
          version: 1,
          name: "one",
          sql: "create table m_one (id int primary key);",
        };
        const m2: Migration = { version: 2, name: "two", sql: "insert into m_one values (1);" };

        await t.step("migrate() applies each migration once, in order", async () => {
          assert.deepEqual((await migrate(db, [m1, m2])).applied, ["0001_one", "0002_two"]);
          assert.deepEqual(await migrate(db, [m1, m2]), { applied: [], skipped: 2 });
          assert.deepEqual(await db.query("select id from m_one"), [{ id: 1 }]);
        });

        await t.step(
          "instances migrating at the same moment apply each migration exactly once",
          async () => {
            const m3: Migration = {
              version: 3,
              name: "three",
              sql: "insert into m_one values (3);",
            };
            const m4: Migration = {
              version: 4,
              name: "four",
              sql: "insert into m_one select max(id) + 1 from m_one;",
            };
            const others = await Promise.all([fx.open(), fx.open(), fx.open()]);
            const results = await Promise.all(
              [db, ...others].map((c) => migrate(c, [m1, m2, m3, m4])),
            );
            assert.equal(results.reduce((n, r) => n + r.applied.length, 0), 2);
            assert.deepEqual(await db.query("select id from m_one order by id"), [{ id: 1 }, {
              id: 3,
            }, { id: 4 }]);
            await Promise.all(others.filter((c) => c !== db).map((c) => c.close()));
          },
        );

        await t.step("migrate() refuses a migration edited after it was applied", async () => {
          await assert.rejects(
            migrate(db, [{ ...m1, sql: m1.sql + " -- edited" }]),
            /changed after it was applied/,
          );
        });

        await t.step("a failing migration leaves no trace and is not recorded", async () => {
          const bad: Migration = {
            version: 5,
            name: "bad",
            sql: "create table m_bad (id int); insert into m_nowhere values (1);",
          };
          await assert.rejects(migrate(db, [m1, m2, bad]));
          assert.deepEqual(await db.query("select to_regclass('m_bad') as t"), [{ t: null }]);
          assert.deepEqual(
            await db.query("select version from schema_migrations where version = 5"),
            [],
          );
        });
      } finally {
        await db.close();
        await fx.dispose();
      }
    },
  });
}
