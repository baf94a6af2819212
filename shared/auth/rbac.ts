import { forbidden, notFound } from "@colink/http";
import type { SqlExecutor } from "@colink/platform";
import type { Principal } from "./principal.ts";

export type WorkspaceRole = "owner" | "admin" | "member" | "guest";
export type ChannelRole = "owner" | "admin" | "member";

/** What the caller is, for one decision: realm roles from the token, memberships from the DB. */
export interface RoleContext {
  realmRoles: string[];
  /** null: not a member of the workspace. */
  workspaceRole: WorkspaceRole | null;
  /** null: not a member of the channel (or no channel in scope). */
  channelRole: ChannelRole | null;
  channel?: { isPrivate: boolean; archived: boolean };
}

/**
 * Every permission CoLink checks, and who has it. A rule grants when any of its clauses holds;
 * realm `admin` holds every permission except reading private conversations it is not part of.
 * Guests (realm role `guest`, or workspace role `guest`) only ever act inside channels they were
 * invited to.
 */
const RULES = {
  "workspace.create": (r) => !isGuest(r),
  "workspace.manage": (r) => r.workspaceRole === "owner" || r.workspaceRole === "admin",
  "channel.create": (r) => r.workspaceRole !== null && !isGuest(r),
  "channel.view": (r) =>
    r.channelRole !== null ||
    (r.workspaceRole !== null && !isGuest(r) && r.channel !== undefined && !r.channel.isPrivate),
  "channel.join": (r) => r.workspaceRole !== null && !isGuest(r) && r.channel?.isPrivate === false,
  "channel.post": (r) => r.channelRole !== null && r.channel?.archived === false,
  "channel.manage": (r) =>
    r.channelRole === "owner" || r.channelRole === "admin" || r.workspaceRole === "owner" ||
    r.workspaceRole === "admin",
  "channel.members.manage": (r) =>
    r.channelRole === "owner" || r.channelRole === "admin" ||
    (r.channel?.isPrivate === false &&
      (r.workspaceRole === "owner" || r.workspaceRole === "admin")),
  "channel.archive": (r) =>
    r.channelRole === "owner" || r.channelRole === "admin" || r.workspaceRole === "owner" ||
    r.workspaceRole === "admin" || r.realmRoles.includes("moderator"),
  "message.delete_any": (r) =>
    r.channelRole === "owner" || r.channelRole === "admin" || r.realmRoles.includes("moderator"),
  "moderation.act": (r) => r.realmRoles.includes("moderator"),
  "moderation.reports": (r) => r.realmRoles.includes("moderator"),
  "audit.read": () => false,
} satisfies Record<string, (r: RoleContext) => boolean>;

export type Permission = keyof typeof RULES;

/** Permissions realm admins do not get for free: privacy of conversations they are not in. */
const NOT_FOR_ADMINS_BY_DEFAULT = new Set<Permission>([
  "channel.view",
  "channel.post",
  "channel.join",
]);

export function isGuest(r: RoleContext): boolean {
  return r.workspaceRole === "guest" ||
    (r.realmRoles.includes("guest") && !r.realmRoles.includes("member"));
}

export function can(r: RoleContext, permission: Permission): boolean {
  if (r.realmRoles.includes("admin") && !NOT_FOR_ADMINS_BY_DEFAULT.has(permission)) return true;
  return RULES[permission](r);
}

/**
 * The one place authorization is decided. Loads the caller's memberships for the scope and
 * checks the permission. A caller who may not even see the channel gets 404 (it does not
 * exist for them); one who sees it but may not act gets 403.
 */
export async function authorize(
  db: SqlExecutor,
  p: Principal,
  permission: Permission,
  scope: { workspaceId?: string; channelId?: string },
): Promise<RoleContext> {
  const ctx = await loadRoles(db, p, scope);
  if (scope.channelId && (!ctx.channel || !can(ctx, "channel.view"))) {
    throw notFound("channel_not_found", "No such channel");
  }
  if (!can(ctx, permission)) throw forbidden("forbidden", `Not allowed: ${permission}`);
  return ctx;
}

export async function loadRoles(
  db: SqlExecutor,
  p: Principal,
  scope: { workspaceId?: string; channelId?: string },
): Promise<RoleContext> {
  if (scope.channelId) {
    const [row] = await db.query<{
      workspace_id: string;
      is_private: boolean;
      archived: boolean;
      workspace_role: WorkspaceRole | null;
      channel_role: ChannelRole | null;
    }>(
      `select c.workspace_id, c.is_private, c.archived_at is not null as archived,
              wm.role as workspace_role, cm.role as channel_role
         from channels c
         left join workspace_members wm on wm.workspace_id = c.workspace_id and wm.user_id = $2
         left join channel_members cm on cm.channel_id = c.id and cm.user_id = $2
        where c.id = $1`,
      [scope.channelId, p.userId],
    );
    if (!row) return { realmRoles: p.realmRoles, workspaceRole: null, channelRole: null };
    return {
      realmRoles: p.realmRoles,
      workspaceRole: row.workspace_role,
      channelRole: row.channel_role,
      channel: { isPrivate: row.is_private, archived: row.archived },
    };
  }
  const [ws] = scope.workspaceId
    ? await db.query<{ role: WorkspaceRole }>(
      "select role from workspace_members where workspace_id = $1 and user_id = $2",
      [scope.workspaceId, p.userId],
    )
    : [];
  return { realmRoles: p.realmRoles, workspaceRole: ws?.role ?? null, channelRole: null };
}
