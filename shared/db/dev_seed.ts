import type { Sql, SqlExecutor } from "@colink/platform";

export interface DevUser {
  id: string;
  /** The embedded issuer's `sub` for this user (users.keycloak_id). */
  sub: string;
  username: string;
  display_name: string;
  email: string;
  realm_roles: string[];
}

/**
 * The dev data promised by shared/API.md: workspace `colink`, public channel `general`, users
 * alice, bob, carol (members), admin (role admin) and mia (role moderator), plus dave, who signs in with a TOTP second
 * factor (secret DEV_TOTP_SECRET), to exercise 2FA locally. Fixed ids (the same `sub`s as the
 * users of deploy/keycloak/colink-realm.json) so links and tests stay stable across resets.
 * Never seeded outside development.
 */
export const DEV_USERS: DevUser[] = [
  ["alice", "Alice Liddell", ["member"]],
  ["bob", "Bob Builder", ["member"]],
  ["carol", "Carol Danvers", ["member"]],
  ["admin", "Ada Admin", ["admin", "member"]],
  ["dave", "Dave Lister", ["member"]],
  ["mia", "Mia Moderator", ["member", "moderator"]],
  // More people for trying roles out (and for the authorization tests): a guest, a channel
  // admin, someone from elsewhere and a workspace admin, by the roles tests give them.
  ["erin", "Erin Guest", ["member"]],
  ["frank", "Frank Channeladmin", ["member"]],
  ["grace", "Grace Elsewhere", ["member"]],
  ["heidi", "Heidi Workspaceadmin", ["member"]],
].map(([username, name, roles], i) => ({
  id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`,
  sub: `00000000-0000-4000-9000-${String(i + 1).padStart(12, "0")}`,
  username: username as string,
  display_name: name as string,
  email: `${username}@colink.dev`,
  realm_roles: roles as string[],
}));

/** dave's TOTP secret (base32), the same as in the Keycloak dev realm. */
export const DEV_TOTP_SECRET = "JBSWY3DPEHPK3PXP";
export const DEV_PASSWORD = "colink-dev";

export const DEV_WORKSPACE = {
  id: "00000000-0000-4000-a000-000000000001",
  name: "CoLink",
  slug: "colink",
};
export const DEV_CHANNEL = {
  id: "00000000-0000-4000-b000-000000000001",
  name: "general",
  description: "Company-wide announcements and chat",
};

/** Idempotent: re-running it changes nothing that exists, so restarts keep user edits. */
export async function seedDevData(sql: Sql): Promise<void> {
  await sql.transaction(async (tx) => {
    for (const u of DEV_USERS) {
      await tx.query(
        `insert into users (id, keycloak_id, username, display_name, email, realm_roles)
         values ($1, $2, $3, $4, $5, $6) on conflict do nothing`,
        [u.id, u.sub, u.username, u.display_name, u.email, u.realm_roles],
      );
    }
    const admin = DEV_USERS.find((u) => u.username === "admin")!;
    await tx.query(
      `insert into workspaces (id, name, slug, created_by) values ($1, $2, $3, $4) on conflict do nothing`,
      [DEV_WORKSPACE.id, DEV_WORKSPACE.name, DEV_WORKSPACE.slug, admin.id],
    );
    await tx.query(
      `insert into channels (id, workspace_id, name, description, is_private, is_default, created_by)
       values ($1, $2, $3, $4, false, true, $5) on conflict do nothing`,
      [DEV_CHANNEL.id, DEV_WORKSPACE.id, DEV_CHANNEL.name, DEV_CHANNEL.description, admin.id],
    );
    for (const u of DEV_USERS) {
      const isAdmin = u.username === "admin";
      await tx.query(
        `insert into workspace_members (workspace_id, user_id, role) values ($1, $2, $3) on conflict do nothing`,
        [DEV_WORKSPACE.id, u.id, isAdmin ? "owner" : "member"],
      );
      await tx.query(
        `insert into channel_members (channel_id, user_id, role) values ($1, $2, $3) on conflict do nothing`,
        [DEV_CHANNEL.id, u.id, isAdmin ? "owner" : "member"],
      );
    }
    await seedDevMessages(tx);
  });
}

const byName = (name: string) => DEV_USERS.find((u) => u.username === name)!.id;
const messageId = (n: number) =>
  `00000000-0000-4000-b000-${String(1_000_000 + n).padStart(12, "0")}`;

/** A short conversation in `general`, so a fresh `deno task dev` shows a living channel. */
const DEV_MESSAGES: { user: string; content: string; parent?: number; mentions?: string[] }[] = [
  {
    user: "admin",
    content:
      "Welcome to **CoLink** 👋 This is `#general`, the channel everyone in the workspace is in.",
  },
  {
    user: "alice",
    content: "Hi all! Threads, reactions and mentions work: reply to this one in a thread, @bob.",
    mentions: ["bob"],
  },
  {
    user: "bob",
    content: 'Markdown too:\n\n```ts\nconsole.log("hello, CoLink");\n```',
  },
  { user: "carol", content: "Replying in a thread 🧵", parent: 2 },
];

/** Seeds the messages once: only while general has none. */
async function seedDevMessages(tx: SqlExecutor): Promise<void> {
  const [ch] = await tx.query<{ last_seq: number }>(
    "select last_seq from channels where id = $1 for update",
    [DEV_CHANNEL.id],
  );
  if (!ch || ch.last_seq > 0) return;
  const start = Date.now() - DEV_MESSAGES.length * 60_000;
  for (const [i, m] of DEV_MESSAGES.entries()) {
    await tx.query(
      `insert into messages (id, channel_id, user_id, parent_id, seq, content, mentions, created_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing`,
      [
        messageId(i + 1),
        DEV_CHANNEL.id,
        byName(m.user),
        m.parent ? messageId(m.parent) : null,
        i + 1,
        m.content,
        (m.mentions ?? []).map(byName),
        new Date(start + i * 60_000),
      ],
    );
    if (m.parent) {
      await tx.query(
        `insert into threads (parent_message_id, reply_count, last_reply_at) values ($1, 1, $2)
         on conflict (parent_message_id) do update set reply_count = threads.reply_count + 1`,
        [messageId(m.parent), new Date(start + i * 60_000)],
      );
    }
  }
  await tx.query(
    "insert into reactions (message_id, user_id, emoji) values ($1, $2, '👍'), ($1, $3, '🎉')",
    [messageId(1), byName("bob"), byName("alice")],
  );
  const last = DEV_MESSAGES.length + 2;
  await tx.query("update channels set last_seq = $2 where id = $1", [DEV_CHANNEL.id, last]);
  // Each author has read up to their own last message.
  for (const [i, m] of DEV_MESSAGES.entries()) {
    await tx.query(
      `update channel_members set last_read_seq = greatest(last_read_seq, $3)
        where channel_id = $1 and user_id = $2`,
      [DEV_CHANNEL.id, byName(m.user), i + 1],
    );
  }
}
