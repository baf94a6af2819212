import assert from "node:assert/strict";
import { createPgliteSql, migrate } from "@colink/platform";
import { colinkMigrations, DEV_CHANNEL, DEV_USERS, DEV_WORKSPACE, seedDevData } from "@colink/db";
import { HttpError } from "@colink/http";
import { authorize, can, type RoleContext } from "./rbac.ts";

const ctx = (o: Partial<RoleContext>): RoleContext => ({
  realmRoles: ["member"],
  workspaceRole: "member",
  channelRole: null,
  channel: { isPrivate: false, archived: false },
  ...o,
});

Deno.test("can(): who may do what, role by role", () => {
  const table: [string, RoleContext, Parameters<typeof can>[1], boolean][] = [
    ["member creates a channel", ctx({}), "channel.create", true],
    ["workspace guest creates a channel", ctx({ workspaceRole: "guest" }), "channel.create", false],
    ["realm guest creates a channel", ctx({ realmRoles: ["guest"] }), "channel.create", false],
    ["outsider creates a channel", ctx({ workspaceRole: null }), "channel.create", false],
    ["member sees a public channel", ctx({}), "channel.view", true],
    [
      "guest sees a public channel not invited to",
      ctx({ workspaceRole: "guest" }),
      "channel.view",
      false,
    ],
    [
      "guest sees a channel invited to",
      ctx({ workspaceRole: "guest", channelRole: "member" }),
      "channel.view",
      true,
    ],
    [
      "member sees a private channel not in",
      ctx({ channel: { isPrivate: true, archived: false } }),
      "channel.view",
      false,
    ],
    [
      "realm admin sees a private channel not in",
      ctx({ realmRoles: ["admin"], channel: { isPrivate: true, archived: false } }),
      "channel.view",
      false,
    ],
    ["guest joins a public channel", ctx({ workspaceRole: "guest" }), "channel.join", false],
    [
      "member joins a private channel",
      ctx({ channel: { isPrivate: true, archived: false } }),
      "channel.join",
      false,
    ],
    [
      "member posts to an archived channel",
      ctx({ channelRole: "member", channel: { isPrivate: false, archived: true } }),
      "channel.post",
      false,
    ],
    ["channel admin manages", ctx({ channelRole: "admin" }), "channel.manage", true],
    ["plain member manages", ctx({ channelRole: "member" }), "channel.manage", false],
    [
      "moderator deletes anyone's message",
      ctx({ realmRoles: ["member", "moderator"] }),
      "message.delete_any",
      true,
    ],
    [
      "member deletes anyone's message",
      ctx({ channelRole: "member" }),
      "message.delete_any",
      false,
    ],
    ["realm admin reads the audit log", ctx({ realmRoles: ["admin"] }), "audit.read", true],
    ["moderator reads the audit log", ctx({ realmRoles: ["moderator"] }), "audit.read", false],
    [
      "moderator takes a moderation action",
      ctx({ realmRoles: ["moderator"] }),
      "moderation.act",
      true,
    ],
    ["member takes a moderation action", ctx({}), "moderation.act", false],
  ];
  for (const [what, c, permission, expected] of table) {
    assert.equal(can(c, permission), expected, what);
  }
});

Deno.test("authorize(): a guest cannot create channels nor see public channels they were not invited to", async () => {
  const db = await createPgliteSql();
  try {
    await migrate(db, await colinkMigrations());
    await seedDevData(db);
    const carol = DEV_USERS.find((u) => u.username === "carol")!;
    await db.query("update workspace_members set role = 'guest' where user_id = $1", [carol.id]);
    await db.query("delete from channel_members where user_id = $1", [carol.id]);
    const guest = { userId: carol.id, sub: carol.sub, username: "carol", realmRoles: ["member"] };
    const member = { ...guest, userId: DEV_USERS[0]!.id, username: "alice" };

    await assert.rejects(
      authorize(db, guest, "channel.create", { workspaceId: DEV_WORKSPACE.id }),
      (e) => e instanceof HttpError && e.status === 403,
    );
    await assert.rejects(
      authorize(db, guest, "channel.view", { channelId: DEV_CHANNEL.id }),
      (e) => e instanceof HttpError && e.status === 404,
      "an uninvited guest gets 404, not 403",
    );
    await authorize(db, member, "channel.create", { workspaceId: DEV_WORKSPACE.id });
    await authorize(db, member, "channel.view", { channelId: DEV_CHANNEL.id });

    await db.query("insert into channel_members (channel_id, user_id) values ($1, $2)", [
      DEV_CHANNEL.id,
      carol.id,
    ]);
    await authorize(db, guest, "channel.view", { channelId: DEV_CHANNEL.id });
    await authorize(db, guest, "channel.post", { channelId: DEV_CHANNEL.id });
    await assert.rejects(
      authorize(db, member, "channel.view", { channelId: crypto.randomUUID() }),
      (e) => e instanceof HttpError && e.status === 404,
    );
  } finally {
    await db.close();
  }
});
