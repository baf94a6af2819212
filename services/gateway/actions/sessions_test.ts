import assert from "node:assert/strict";
import { colinkMigrations } from "@colink/db";
import {
  createMemoryKeyValue,
  createPgliteSql,
  type KeyValue,
  migrate,
  sha256Hex,
  type Sql,
} from "@colink/platform";
import type { OidcClient, TokenSet } from "./oidc_client.ts";
import { createSessionStore } from "./sessions.ts";

/** The IdP side of a session, held in the test's hand: each refresh waits for `release()`. */
function controllableIdp() {
  let n = 0;
  const waiting: (() => void)[] = [];
  const client: OidcClient = {
    authorizationUrl: () => Promise.resolve("unused"),
    redeemCode: () => Promise.reject(new Error("unused")),
    verifyIdToken: () => Promise.resolve(),
    revoke: () => Promise.resolve(),
    async refresh() {
      await new Promise<void>((r) => waiting.push(r));
      n++;
      return tokens(`access-${n}`, `refresh-${n}`);
    },
  };
  return {
    client,
    get pending() {
      return waiting.length;
    },
    release: () => waiting.splice(0).forEach((r) => r()),
  };
}

const tokens = (access: string, refresh: string, expiresIn = 300): TokenSet => ({
  access_token: access,
  refresh_token: refresh,
  expires_in: expiresIn,
  refresh_expires_in: 1800,
});

async function setup(kvWrap: (kv: KeyValue) => KeyValue = (kv) => kv) {
  const sql: Sql = await createPgliteSql();
  await migrate(sql, await colinkMigrations());
  const [user] = await sql.query<{ id: string }>(
    `insert into users (keycloak_id, username, display_name) values ('sub-1', 'erin', 'Erin')
     returning id`,
  );
  const kv = createMemoryKeyValue();
  const idp = controllableIdp();
  const sessions = createSessionStore({
    sql,
    kv: kvWrap(kv),
    oidc: idp.client,
    encryptionKey: crypto.getRandomValues(new Uint8Array(32)),
  });
  return {
    sql,
    kv,
    idp,
    sessions,
    userId: user!.id,
    async close() {
      await kv.close();
      await sql.close();
    },
  };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), "condition never held");
};

Deno.test("sessions: a logout that lands while a refresh is storing its tokens is not undone", async () => {
  let onStore: (() => Promise<void>) | undefined;
  const t = await setup((kv) => ({
    ...kv,
    // The refresh has checked the revocation marker and is about to write the new tokens:
    // this is where a concurrent logout lands.
    async hset(key, fields, o) {
      const hook = onStore;
      onStore = undefined;
      await hook?.();
      return await kv.hset(key, fields, o);
    },
  }));
  try {
    // Expires within the refresh margin: the next get() refreshes.
    const { id } = await t.sessions.create(t.userId, tokens("access-0", "refresh-0", 5));
    onStore = () => t.sessions.revoke(id);
    const refreshed = t.sessions.get(id);
    await until(() => t.idp.pending === 1);
    t.idp.release();
    await refreshed;
    assert.equal(await t.sessions.get(id), null, "the logged-out session came back");
    // Not only masked by the revocation marker (which expires after a day): the tokens are gone.
    assert.deepEqual(await t.kv.hgetall(`session:${await sha256Hex(id)}`), {});
  } finally {
    await t.close();
  }
});

Deno.test("sessions: a refresh releases only its own lock, never one another replica took over", async () => {
  const t = await setup();
  try {
    const { id } = await t.sessions.create(t.userId, tokens("access-0", "refresh-0", 5));
    const lock = `session:${await sha256Hex(id)}:refresh`;
    const refreshed = t.sessions.get(id);
    await until(() => t.idp.pending === 1);
    // Our lock expired while the IdP was slow, and another replica now holds the lock.
    await t.kv.set(lock, "other-replica", { ttlMs: 10_000 });
    t.idp.release();
    assert.equal((await refreshed)?.accessToken, "access-1");
    assert.equal(await t.kv.get(lock), "other-replica");
  } finally {
    await t.close();
  }
});

Deno.test("sessions: a session is never stored without its expiry, even if the store fails midway", async () => {
  const t = await setup((kv) => ({
    ...kv,
    expire: () => Promise.reject(new Error("connection lost")),
  }));
  try {
    // With hset and expire as two steps, the lost connection strikes between them and leaves
    // the tokens in Redis forever; as one step there is nothing to strike between.
    const created = await t.sessions.create(t.userId, tokens("a", "r"));
    const ttl = await t.kv.ttl(`session:${await sha256Hex(created.id)}`);
    assert.ok(ttl !== null && ttl > 1_700_000, `ttl ${ttl}`);
  } finally {
    await t.close();
  }
});

Deno.test("sessions: sealed tokens cannot be swapped between sessions or between fields", async () => {
  const t = await setup();
  try {
    const a = await t.sessions.create(t.userId, tokens("access-a", "refresh-a"));
    const b = await t.sessions.create(t.userId, tokens("access-b", "refresh-b"));
    const keyA = `session:${await sha256Hex(a.id)}`;
    const keyB = `session:${await sha256Hex(b.id)}`;
    assert.equal((await t.sessions.get(a.id))?.accessToken, "access-a");

    // Someone who can write to Redis copies b's sealed access token into a's session.
    const sealedB = await t.kv.hgetall(keyB);
    await t.kv.hset(keyA, { access: sealedB.access! });
    assert.equal(await t.sessions.get(a.id), null);

    // Or swaps a session's own refresh token into its access slot.
    const sealedBAgain = await t.kv.hgetall(keyB);
    await t.kv.hset(keyB, { access: sealedBAgain.refresh! });
    assert.equal(await t.sessions.get(b.id), null);
  } finally {
    await t.close();
  }
});
