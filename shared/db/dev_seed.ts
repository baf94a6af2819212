import type { Sql } from "@colink/platform";

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
 * alice, bob, carol (members) and admin (role admin), plus dave, who signs in with a TOTP second
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
      `insert into channels (id, workspace_id, name, description, is_private, created_by)
       values ($1, $2, $3, $4, false, $5) on conflict do nothing`,
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
  });
}
