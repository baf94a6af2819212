import {
  can,
  type ChannelRole,
  type Permission,
  type Principal,
  type RoleContext,
  type WorkspaceRole,
} from "@colink/auth";
import { forbidden, type HttpError, notFound } from "@colink/http";
import type { SqlExecutor } from "@colink/platform";
import type { ConversationDirectory, ConversationMeta } from "./directory.ts";
import type { ConversationRef } from "./stores/types.ts";

/** The caller's standing in one conversation they can see. */
export interface Access {
  conv: ConversationMeta;
  roles: RoleContext;
  /** A channel member or a DM participant (who may post, archive permitting). */
  member: boolean;
}

export const notVisible = (ref: ConversationRef): HttpError =>
  ref.kind === "channel"
    ? notFound("channel_not_found", "No such channel")
    : notFound("dm_not_found", "No such direct message");

/**
 * Resolves what the caller may do in a conversation. A conversation they may not see (a private
 * channel they are not in, someone else's DM, another workspace's channel) is a 404, exactly as
 * if it did not exist. Memberships are read from the database on every call (never cached), so
 * a removal takes effect at once; the conversation's own metadata comes from the directory.
 */
export async function accessConversation(
  db: SqlExecutor,
  directory: ConversationDirectory,
  p: Principal,
  ref: ConversationRef,
): Promise<Access> {
  const conv = await directory.get(ref);
  if (!conv) throw notVisible(ref);
  const [row] = await db.query<
    { workspace_role: WorkspaceRole | null; channel_role: ChannelRole | null }
  >(
    `select (select role from workspace_members where workspace_id = $1 and user_id = $3) as workspace_role,
            (select role from channel_members where channel_id = $2 and user_id = $3) as channel_role`,
    [conv.workspace_id, conv.kind === "channel" ? conv.id : null, p.userId],
  );
  const workspaceRole = row?.workspace_role ?? null;
  const participant = conv.kind === "dm" && workspaceRole !== null &&
    conv.participant_ids.includes(p.userId);
  const channelRole = conv.kind === "channel"
    ? row?.channel_role ?? null
    : participant
    ? "member"
    : null;
  const roles: RoleContext = {
    realmRoles: p.realmRoles,
    workspaceRole,
    channelRole,
    channel: { isPrivate: conv.is_private, archived: conv.archived },
  };
  const visible = conv.kind === "dm" ? participant : can(roles, "channel.view");
  if (!visible) throw notVisible(ref);
  return { conv, roles, member: channelRole !== null };
}

/** 403 unless the caller holds the permission in this conversation. */
export function requirePermission(a: Access, permission: Permission, code = "forbidden"): void {
  if (!can(a.roles, permission)) throw forbidden(code, `Not allowed: ${permission}`);
}

/** Sends, edits and reactions: members only, and never in an archived channel. */
export function requireWritable(a: Access): void {
  if (a.conv.archived) {
    throw forbidden("channel_archived", "This channel is archived and read-only");
  }
  if (!a.member) {
    throw forbidden("not_a_member", "Join the channel to post in it");
  }
}
