import assert from "node:assert/strict";
import { colinkMigrations } from "@colink/db";
import { HttpError } from "@colink/http";
import {
  createMemoryPubSub,
  createPgliteSql,
  migrate,
  type PubSub,
  type Sql,
} from "@colink/platform";
import { eventually } from "@colink/testing";
import { createPrincipalResolver } from "./principal.ts";
import type { Identity } from "./verifier.ts";

const identity = (sub: string, username: string, roles = ["member"]): Identity => ({
  sub,
  username,
  email: `${username}@example.com`,
  name: username.toUpperCase(),
  realmRoles: roles,
  expiresAt: new Date(Date.now() + 60_000),
});

const deactivated = (e: unknown) =>
  e instanceof HttpError && e.status === 403 && e.code === "account_deactivated";

async function database(): Promise<Sql> {
  const sql = await createPgliteSql();
  await migrate(sql, await colinkMigrations());
  return sql;
}

/** Counts the statements a resolver runs, to tell a cache hit from a database round trip. */
function counting(sql: Sql): Sql & { queries: number } {
  const c = Object.assign(Object.create(sql), { queries: 0 }) as Sql & { queries: number };
  c.query = (text, params) => {
    c.queries++;
    return sql.query(text, params);
  };
  return c;
}

Deno.test("principals: provisioned once per sub, roles follow the token, taken usernames get a suffix", async () => {
  const sql = await database();
  const resolver = await createPrincipalResolver({ sql, pubsub: createMemoryPubSub() });
  try {
    const a = await resolver.resolve(identity("sub-a", "ann"));
    assert.equal((await resolver.resolve(identity("sub-a", "ann"))).userId, a.userId);

    const promoted = await resolver.resolve(identity("sub-a", "ann", ["member", "moderator"]));
    assert.deepEqual(promoted.realmRoles, ["member", "moderator"]);
    const [row] = await sql.query<{ realm_roles: string[] }>(
      "select realm_roles from users where id = $1",
      [a.userId],
    );
    assert.deepEqual(row!.realm_roles, ["member", "moderator"]);

    const other = await resolver.resolve(identity("sub-b", "ann"));
    assert.notEqual(other.userId, a.userId);
    const [b] = await sql.query<{ username: string }>("select username from users where id = $1", [
      other.userId,
    ]);
    assert.match(b!.username, /^ann-/);
  } finally {
    await resolver.close();
    await sql.close();
  }
});

Deno.test("principals: a cached caller costs no database round trip; the cache is bounded", async () => {
  const sql = counting(await database());
  const resolver = await createPrincipalResolver({
    sql,
    pubsub: createMemoryPubSub(),
    maxEntries: 2,
  });
  try {
    await resolver.resolve(identity("sub-a", "ann"));
    const after = sql.queries;
    for (let i = 0; i < 100; i++) await resolver.resolve(identity("sub-a", "ann"));
    assert.equal(sql.queries, after);

    await resolver.resolve(identity("sub-b", "bea"));
    await resolver.resolve(identity("sub-c", "cid")); // evicts sub-a, the least recently used
    const before = sql.queries;
    await resolver.resolve(identity("sub-c", "cid"));
    assert.equal(sql.queries, before);
    await resolver.resolve(identity("sub-a", "ann"));
    assert.ok(sql.queries > before, "an evicted caller is looked up again");
  } finally {
    await resolver.close();
    await sql.close();
  }
});

Deno.test("principals: deactivation on one instance refuses the user's next request on another", async () => {
  const sql = await database();
  const pubsub: PubSub = createMemoryPubSub(); // the Redis both instances share
  const a = await createPrincipalResolver({ sql, pubsub });
  const b = await createPrincipalResolver({ sql, pubsub });
  try {
    const ann = await b.resolve(identity("sub-a", "ann")); // cached on b for 5 minutes
    await sql.query("update users set deactivated_at = now() where id = $1", [ann.userId]);
    await a.invalidate(ann.userId);
    await eventually(() => assert.rejects(b.resolve(identity("sub-a", "ann")), deactivated), {
      timeoutMs: 1_000,
    });
    await assert.rejects(a.resolve(identity("sub-a", "ann")), deactivated);
  } finally {
    await a.close();
    await b.close();
    await sql.close();
  }
});

Deno.test("principals: while invalidations cannot flow, cached entries are trusted only briefly", async () => {
  const sql = await database();
  let connected = true;
  const pubsub: PubSub = { ...createMemoryPubSub(), connected: () => connected };
  let t = 0;
  const b = await createPrincipalResolver({ sql, pubsub, now: () => t, degradedTtlMs: 5_000 });
  try {
    const ann = await b.resolve(identity("sub-a", "ann"));
    connected = false; // Redis went away: a deactivation elsewhere would not be announced
    await sql.query("update users set deactivated_at = now() where id = $1", [ann.userId]);
    t += 4_000;
    await b.resolve(identity("sub-a", "ann")); // still within the degraded TTL
    t += 1_000;
    await assert.rejects(b.resolve(identity("sub-a", "ann")), deactivated);
  } finally {
    await b.close();
    await sql.close();
  }
});

Deno.test("principals: after pub/sub reconnects (invalidations may have been lost), cached callers are looked up again", async () => {
  const sql = await database();
  let generation = 0;
  const pubsub: PubSub = { ...createMemoryPubSub(), generation: () => generation };
  const b = await createPrincipalResolver({ sql, pubsub });
  try {
    const ann = await b.resolve(identity("sub-a", "ann"));
    // Deactivated elsewhere while Redis was restarting: the message never arrived.
    await sql.query("update users set deactivated_at = now() where id = $1", [ann.userId]);
    await b.resolve(identity("sub-a", "ann")); // same generation: still trusted
    generation++;
    await assert.rejects(b.resolve(identity("sub-a", "ann")), deactivated);
  } finally {
    await b.close();
    await sql.close();
  }
});

Deno.test("principals: a lookup that raced an invalidation is not cached", async () => {
  const base = await database();
  let during: (() => Promise<void>) | undefined;
  const sql = counting(base);
  const plain = sql.query;
  sql.query = async <T extends object>(text: string, params?: readonly unknown[]) => {
    const rows = await plain<T>(text, params);
    const hook = during;
    during = undefined;
    await hook?.(); // the deactivation commits and is announced while this lookup is in flight
    return rows;
  };
  const b = await createPrincipalResolver({ sql, pubsub: createMemoryPubSub() });
  try {
    const ann = await b.resolve(identity("sub-a", "ann"));
    await b.invalidate(ann.userId);
    during = async () => {
      await base.query("update users set deactivated_at = now() where id = $1", [ann.userId]);
      await b.invalidate(ann.userId);
    };
    await b.resolve(identity("sub-a", "ann")); // read "active" just before the deactivation
    await assert.rejects(b.resolve(identity("sub-a", "ann")), deactivated);
  } finally {
    await b.close();
    await base.close();
  }
});

Deno.test("principals: an invalidation that cannot be published is retried, then reported", async () => {
  const sql = await database();
  let attempts = 0;
  const pubsub: PubSub = {
    ...createMemoryPubSub(),
    publish: () => {
      attempts++;
      return Promise.reject(new Error("redis is away"));
    },
  };
  const b = await createPrincipalResolver({ sql, pubsub });
  try {
    await assert.rejects(b.invalidate("00000000-0000-0000-0000-000000000000"), /redis is away/);
    assert.equal(attempts, 3);
  } finally {
    await b.close();
    await sql.close();
  }
});
