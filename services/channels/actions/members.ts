import { can, isGuest, type Principal } from "@colink/auth";
import type { Channel } from "@colink/contracts";
import {
  accessConversation,
  type ChannelMemberRecord,
  type ChatDeps,
  inTransaction,
  removeFromChannelTx,
  requirePermission,
  sqlStores,
} from "@colink/conversations";
import { conflict, forbidden, notFound } from "@colink/http";
import { getChannel } from "./channels.ts";
import { joinChannelTx } from "./workspaces.ts";

const archivedError = () => forbidden("channel_archived", "This channel is archived and read-only");

export async function listChannelMembers(
  d: ChatDeps,
  p: Principal,
  id: string,
): Promise<ChannelMemberRecord[]> {
  await accessConversation(d.sql, d.directory, p, { kind: "channel", id });
  return await sqlStores(d.sql).channels.members(id);
}

/**
 * Adds someone from the workspace to the channel. Any member other than a guest may invite
 * (as in Slack and Mattermost); making owners or admins takes the channel's owners or admins.
 */
export async function addChannelMember(
  d: ChatDeps,
  p: Principal,
  id: string,
  input: { user_id: string; role: "owner" | "admin" | "member" },
): Promise<ChannelMemberRecord> {
  const ref = { kind: "channel" as const, id };
  const a = await accessConversation(d.sql, d.directory, p, ref);
  if (a.conv.archived) throw archivedError();
  const mayManage = can(a.roles, "channel.members.manage");
  if (!mayManage && (!a.member || isGuest(a.roles))) {
    throw forbidden("forbidden", "Only the channel's members invite others");
  }
  if (input.role !== "member" && !mayManage) {
    throw forbidden("forbidden", "Only the channel's owners and admins assign roles");
  }
  const s = sqlStores(d.sql);
  const [target] = await s.workspaces.membersAmong(a.conv.workspace_id, [input.user_id]);
  if (!target) throw notFound("user_not_found", "No such user in this workspace");
  return await inTransaction(d, async (u) => {
    const added = await joinChannelTx(
      d,
      u,
      { id, workspace_id: a.conv.workspace_id },
      input.user_id,
      input.role,
      p.userId,
    );
    if (!added) throw conflict("already_member", "They are a member of this channel already");
    if (input.role !== "member") {
      await u.s.audit.append({
        user_id: p.userId,
        action: "role.grant",
        resource_type: "channel_member",
        resource_id: `${id}/${input.user_id}`,
        metadata: { channel_id: id, user_id: input.user_id, role: input.role },
      });
    }
    return (await u.s.channels.member(id, input.user_id))!;
  });
}

/** Joins a public channel (idempotent). Private channels cannot be joined, only invited to. */
export async function joinChannel(d: ChatDeps, p: Principal, id: string): Promise<Channel> {
  const ref = { kind: "channel" as const, id };
  const a = await accessConversation(d.sql, d.directory, p, ref);
  if (!a.member) {
    requirePermission(a, "channel.join");
    if (a.conv.archived) throw archivedError();
    await inTransaction(d, async (u) => {
      await joinChannelTx(
        d,
        u,
        { id, workspace_id: a.conv.workspace_id },
        p.userId,
        "member",
        p.userId,
      );
    });
  }
  return await getChannel(d, p, id);
}

/**
 * Removes a member: themselves (leaving), or anyone when the caller manages the channel's
 * members. Removal is effective at once: membership is never cached.
 */
export async function removeChannelMember(
  d: ChatDeps,
  p: Principal,
  id: string,
  userId: string,
): Promise<void> {
  const ref = { kind: "channel" as const, id };
  const a = await accessConversation(d.sql, d.directory, p, ref);
  const self = userId === p.userId;
  if (!self) requirePermission(a, "channel.members.manage");
  await inTransaction(d, async (u) => {
    const c = (await u.s.channels.get(id))!;
    if (self && c.is_default) {
      throw forbidden(
        "cannot_leave_default_channel",
        "Everyone stays in the workspace's default channel",
      );
    }
    if (!(await removeFromChannelTx(d, u, c, userId, p.userId))) {
      if (self) throw conflict("not_a_member", "You are not a member of this channel");
      throw notFound("member_not_found", "They are not a member of this channel");
    }
  });
}
