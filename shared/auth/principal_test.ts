import assert from "node:assert/strict";
import { colinkMigrations } from "@colink/db";
import { HttpError } from "@colink/http";
import { createMemoryKeyValue, createPgliteSql, migrate } from "@colink/platform";
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

Deno.test("principals: provisioned once per sub, roles follow the token, taken usernames get a suffix, deactivated accounts are refused", async () => {
  const sql = await createPgliteSql();
  try {
    await migrate(sql, await colinkMigrations());
    const resolver = createPrincipalResolver(sql, createMemoryKeyValue());
    const a = await resolver.resolve(identity("sub-a", "ann"));
    assert.equal((await resolver.resolve(identity("sub-a", "ann"))).userId, a.userId);

    await resolver.forget("sub-a");
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

    await sql.query("update users set deactivated_at = now() where id = $1", [a.userId]);
    await resolver.forget("sub-a");
    await assert.rejects(
      resolver.resolve(identity("sub-a", "ann")),
      (e) => e instanceof HttpError && e.status === 403,
    );
  } finally {
    await sql.close();
  }
});
