import { can, isGuest, type Principal } from "@colink/auth";
import type { Channel } from "@colink/contracts";
import {
  accessConversation,
  channelSnapshot,
  type ChatDeps,
  conversationEvent,
  inTransaction,
  lockPositions,
  requirePermission,
  sqlStores,
} from "@colink/conversations";
import { conflict, forbidden, notFound } from "@colink/http";
import { toChannel } from "./present.ts";
import { workspaceRoles } from "./workspaces.ts";

const nameTaken = (name: string) =>
  conflict("channel_name_taken", `The workspace has a channel named "${name}" already`);

/** One channel as the caller sees it in a list (404 when they cannot see it). */
export async function getChannel(d: ChatDeps, p: Principal, id: string): Promise<Channel> {
  await accessConversation(d.sql, d.directory, p, { kind: "channel", id });
  const row = await sqlStores(d.sql).channels.listing(id, p.userId);
  if (!row) throw notFound("channel_not_found", "No such channel");
  return toChannel(row);
}

/**
 * The workspace's channels the caller can see: theirs, and every public one unless they are a
 * guest. Private channels they are not in are never listed.
 */
export async function listChannels(
  d: ChatDeps,
  p: Principal,
  workspaceId: string,
): Promise<Channel[]> {
  const roles = await workspaceRoles(d, p, workspaceId);
  const rows = await sqlStores(d.sql).channels.listVisible(workspaceId, p.userId, !isGuest(roles));
  return rows.map(toChannel);
}

export async function createChannel(
  d: ChatDeps,
  p: Principal,
  workspaceId: string,
  input: { name: string; description: string; is_private: boolean },
): Promise<Channel> {
  const roles = await workspaceRoles(d, p, workspaceId);
  if (!can(roles, "channel.create")) throw forbidden("forbidden", "Guests cannot create channels");
  const id = await inTransaction(d, async (u) => {
    const c = await u.s.channels.create({
      workspace_id: workspaceId,
      ...input,
      created_by: p.userId,
    });
    if (!c) throw nameTaken(input.name);
    await u.s.channels.addMember(c.id, p.userId, "owner");
    u.emit(conversationEvent(
      "channel.created",
      { kind: "channel", id: c.id, workspace_id: workspaceId },
      1,
      { user_id: p.userId, channel: channelSnapshot(c), timestamp: d.now().toISOString() },
      d.now(),
    ));
    return c.id;
  });
  return await getChannel(d, p, id);
}

/** Renames or re-describes a channel (its owners and admins, or the workspace's). */
export async function updateChannel(
  d: ChatDeps,
  p: Principal,
  id: string,
  patch: { name?: string; description?: string },
): Promise<Channel> {
  const ref = { kind: "channel" as const, id };
  const a = await accessConversation(d.sql, d.directory, p, ref);
  requirePermission(a, "channel.manage");
  await inTransaction(d, async (u) => {
    const pos = await lockPositions(u.db, ref);
    if (pos.archived) throw forbidden("channel_archived", "This channel is archived and read-only");
    const before = (await u.s.channels.get(id))!;
    const after = await u.s.channels.update(id, patch);
    if (after === "conflict") throw nameTaken(patch.name!);
    if (!after) throw notFound("channel_not_found", "No such channel");
    const changed = (["name", "description"] as const).filter((k) => before[k] !== after[k]);
    if (changed.length) {
      u.emit(conversationEvent(
        "channel.updated",
        { ...ref, workspace_id: a.conv.workspace_id },
        pos.next(),
        {
          user_id: p.userId,
          channel: channelSnapshot(after),
          changed,
          timestamp: d.now().toISOString(),
        },
        d.now(),
      ));
      await pos.save();
    }
    u.afterCommit(() => d.directory.forget(ref));
  });
  return await getChannel(d, p, id);
}

/**
 * Archives a channel: it stays readable and listed (with archived_at), and every write to it
 * is refused from then on (403 channel_archived). Archiving twice changes nothing.
 */
export async function archiveChannel(d: ChatDeps, p: Principal, id: string): Promise<Channel> {
  const ref = { kind: "channel" as const, id };
  const a = await accessConversation(d.sql, d.directory, p, ref);
  requirePermission(a, "channel.archive");
  await inTransaction(d, async (u) => {
    const pos = await lockPositions(u.db, ref);
    const c = (await u.s.channels.get(id))!;
    if (c.is_default) {
      throw forbidden(
        "cannot_archive_default_channel",
        "The workspace's default channel stays open",
      );
    }
    const archived = await u.s.channels.archive(id, d.now());
    if (archived) {
      u.emit(conversationEvent(
        "channel.archived",
        { ...ref, workspace_id: a.conv.workspace_id },
        pos.next(),
        { user_id: p.userId, channel: channelSnapshot(archived), timestamp: d.now().toISOString() },
        d.now(),
      ));
      await pos.save();
      await u.s.audit.append({
        user_id: p.userId,
        action: "channel.archive",
        resource_type: "channel",
        resource_id: id,
        metadata: { workspace_id: a.conv.workspace_id, name: archived.name },
      });
    }
    u.afterCommit(() => d.directory.forget(ref));
  });
  return await getChannel(d, p, id);
}
