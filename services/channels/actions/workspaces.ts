import { can, isGuest, type Principal, type RoleContext, type WorkspaceRole } from "@colink/auth";
import type { Workspace } from "@colink/contracts";
import {
  channelSnapshot,
  type ChatDeps,
  conversationEvent,
  inTransaction,
  lockPositions,
  sqlStores,
  type UnitOfWork,
  type WorkspaceMemberRecord,
} from "@colink/conversations";
import { conflict, forbidden, notFound } from "@colink/http";
import { toWorkspace } from "./present.ts";

const workspaceNotFound = () => notFound("workspace_not_found", "No such workspace");

/**
 * The caller's role in the workspace. A workspace they are not in does not exist for them (404).
 */
export async function workspaceRoles(
  d: Pick<ChatDeps, "sql">,
  p: Principal,
  workspaceId: string,
): Promise<RoleContext & { workspaceRole: WorkspaceRole }> {
  const m = await sqlStores(d.sql).workspaces.member(workspaceId, p.userId);
  if (!m) throw workspaceNotFound();
  return { realmRoles: p.realmRoles, workspaceRole: m.role, channelRole: null };
}

export async function listWorkspaces(d: ChatDeps, p: Principal): Promise<Workspace[]> {
  const rows = await sqlStores(d.sql).workspaces.listForUser(p.userId);
  return rows.map((w) => toWorkspace(w, w.role));
}

export async function getWorkspace(d: ChatDeps, p: Principal, id: string): Promise<Workspace> {
  const roles = await workspaceRoles(d, p, id);
  const w = await sqlStores(d.sql).workspaces.get(id);
  if (!w) throw workspaceNotFound();
  return toWorkspace(w, roles.workspaceRole);
}

/** Creates a workspace owned by the caller, with its default public channel `general`. */
export async function createWorkspace(
  d: ChatDeps,
  p: Principal,
  input: { name: string; slug: string },
): Promise<Workspace> {
  const roles: RoleContext = { realmRoles: p.realmRoles, workspaceRole: null, channelRole: null };
  if (!can(roles, "workspace.create")) {
    throw forbidden("forbidden", "Guests cannot create workspaces");
  }
  return await inTransaction(d, async (u) => {
    const w = await u.s.workspaces.create({ ...input, created_by: p.userId });
    if (!w) throw conflict("workspace_slug_taken", `The address "${input.slug}" is taken`);
    await u.s.workspaces.addMember(w.id, p.userId, "owner");
    const general = (await u.s.channels.create({
      workspace_id: w.id,
      name: "general",
      description: "Everyone in the workspace",
      is_private: false,
      is_default: true,
      created_by: p.userId,
    }))!;
    await u.s.channels.addMember(general.id, p.userId, "owner");
    u.emit(conversationEvent(
      "channel.created",
      { kind: "channel", id: general.id, workspace_id: w.id },
      1,
      { user_id: p.userId, channel: channelSnapshot(general), timestamp: d.now().toISOString() },
      d.now(),
    ));
    return toWorkspace(w, "owner");
  });
}

/**
 * Members of the workspace. Guests see only the people they share a conversation with (the
 * user directory applies the same rule).
 */
export async function listWorkspaceMembers(
  d: ChatDeps,
  p: Principal,
  workspaceId: string,
): Promise<WorkspaceMemberRecord[]> {
  const roles = await workspaceRoles(d, p, workspaceId);
  const members = await sqlStores(d.sql).workspaces.members(workspaceId);
  if (!isGuest(roles)) return members;
  const rows = await d.sql.query<{ user_id: string }>(
    `select distinct other.user_id from channel_members mine
       join channel_members other on other.channel_id = mine.channel_id
      where mine.user_id = $1
     union
     select distinct other.user_id from dm_participants mine
       join dm_participants other on other.dm_id = mine.dm_id
      where mine.user_id = $1`,
    [p.userId],
  );
  const seen = new Set(rows.map((r) => r.user_id));
  seen.add(p.userId);
  return members.filter((m) => seen.has(m.user_id));
}

/**
 * Adds someone to the workspace (workspace owners and admins; only owners make owners). Members
 * other than guests join the workspace's default channels.
 */
export async function addWorkspaceMember(
  d: ChatDeps,
  p: Principal,
  workspaceId: string,
  input: { user_id: string; role: WorkspaceRole },
): Promise<WorkspaceMemberRecord> {
  const roles = await workspaceRoles(d, p, workspaceId);
  if (!can(roles, "workspace.manage")) {
    throw forbidden("forbidden", "Only workspace owners and admins add members");
  }
  if (
    input.role === "owner" && roles.workspaceRole !== "owner" && !p.realmRoles.includes("admin")
  ) {
    throw forbidden("forbidden", "Only owners make owners");
  }
  const [user] = await d.sql.query(
    "select id from users where id = $1 and deactivated_at is null",
    [input.user_id],
  );
  if (!user) throw notFound("user_not_found", "No such user");
  return await inTransaction(d, async (u) => {
    const m = await u.s.workspaces.addMember(workspaceId, input.user_id, input.role);
    if (!m) throw conflict("already_member", "They are a member of this workspace already");
    if (input.role !== "member") {
      await u.s.audit.append({
        user_id: p.userId,
        action: "role.grant",
        resource_type: "workspace_member",
        resource_id: `${workspaceId}/${input.user_id}`,
        metadata: { workspace_id: workspaceId, user_id: input.user_id, role: input.role },
      });
    }
    if (input.role !== "guest") {
      for (const c of await u.s.channels.defaultChannels(workspaceId)) {
        await joinChannelTx(
          d,
          u,
          { id: c.id, workspace_id: workspaceId },
          input.user_id,
          "member",
          p.userId,
        );
      }
    }
    return m;
  });
}

/**
 * Changes a member's workspace role: owners and admins of the workspace (the one permission,
 * `workspace.manage`); only owners make or unmake owners; the last owner cannot be demoted (409
 * last_owner). Audited in the same transaction.
 */
export async function changeWorkspaceRole(
  d: ChatDeps,
  p: Principal,
  workspaceId: string,
  userId: string,
  role: WorkspaceRole,
): Promise<WorkspaceMemberRecord> {
  const roles = await workspaceRoles(d, p, workspaceId).catch((e) => {
    // Realm admins manage every workspace, member or not.
    if (p.realmRoles.includes("admin")) {
      return { realmRoles: p.realmRoles, workspaceRole: null, channelRole: null };
    }
    throw e;
  });
  if (!can(roles, "workspace.manage")) {
    throw forbidden("forbidden", "Only workspace owners and admins change roles");
  }
  const byOwner = roles.workspaceRole === "owner" || p.realmRoles.includes("admin");
  return await inTransaction(d, async (u) => {
    const owners = await u.s.workspaces.lockOwners(workspaceId);
    const current = await u.s.workspaces.member(workspaceId, userId);
    if (!current) throw notFound("member_not_found", "They are not a member of this workspace");
    if ((current.role === "owner" || role === "owner") && !byOwner) {
      throw forbidden("forbidden", "Only owners make or unmake owners");
    }
    if (current.role === role) return current;
    if (current.role === "owner" && owners <= 1) {
      throw conflict("last_owner", "The workspace's last owner cannot be demoted");
    }
    const changed = (await u.s.workspaces.setRole(workspaceId, userId, role))!;
    await u.s.audit.append({
      user_id: p.userId,
      action: "role.change",
      resource_type: "workspace_member",
      resource_id: `${workspaceId}/${userId}`,
      metadata: { workspace_id: workspaceId, user_id: userId, from: current.role, to: role },
    });
    return changed;
  });
}

/**
 * Adds a member inside an open transaction, under the channel's sequence lock, with its
 * `channel.member_joined` event. Returns false when they were a member already (no event).
 */
export async function joinChannelTx(
  d: Pick<ChatDeps, "now">,
  u: UnitOfWork,
  channel: { id: string; workspace_id: string },
  userId: string,
  role: "owner" | "admin" | "member",
  actorId: string,
): Promise<boolean> {
  const ref = { kind: "channel" as const, id: channel.id };
  const pos = await lockPositions(u.db, ref);
  const added = await u.s.channels.addMember(channel.id, userId, role);
  if (!added) return false;
  const seq = pos.next();
  await pos.save();
  // The new member starts with everything up to their own arrival read.
  await u.s.reads.advance(ref, userId, seq);
  u.emit(conversationEvent(
    "channel.member_joined",
    { ...ref, workspace_id: channel.workspace_id },
    seq,
    { user_id: userId, role, actor_id: actorId, timestamp: d.now().toISOString() },
    d.now(),
    userId,
  ));
  return true;
}
