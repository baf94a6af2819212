import type { Principal } from "@colink/auth";
import type { Message } from "@colink/contracts";
import {
  type Access,
  accessConversation,
  type ChatDeps,
  conversationEvent,
  type ConversationRef,
  inTransaction,
  lockPositions,
  type MessageRecord,
  presentMessage,
  presentMessages,
  requirePermission,
  requireWritable,
  resolveMentions,
  sqlStores,
} from "@colink/conversations";
import { badRequest, conflict, forbidden, HttpError, notFound } from "@colink/http";
import { checkContent } from "./send.ts";

const noSuchMessage = () => notFound("message_not_found", "No such message");

export const conversationOf = (m: MessageRecord): ConversationRef =>
  m.channel_id ? { kind: "channel", id: m.channel_id } : { kind: "dm", id: m.dm_id! };

/**
 * A message and the caller's access to its conversation. A message in a conversation the caller
 * cannot see is a 404 `message_not_found`, like one that does not exist.
 */
export async function loadMessage(
  d: ChatDeps,
  p: Principal,
  id: string,
  o: { moderating?: boolean } = {},
): Promise<{ message: MessageRecord; access: Access }> {
  const message = await sqlStores(d.sql).messages.get(id);
  if (!message) throw noSuchMessage();
  const ref = conversationOf(message);
  try {
    return { message, access: await accessConversation(d.sql, d.directory, p, ref) };
  } catch (e) {
    if (!(e instanceof HttpError && e.status === 404)) throw e;
    // Moderators act on any message (a reported one may be in a conversation they are not in).
    const conv = o.moderating && isModerator(p) ? await d.directory.get(ref) : undefined;
    if (!conv) throw noSuchMessage();
    const roles = { realmRoles: p.realmRoles, workspaceRole: null, channelRole: null };
    return { message, access: { conv, roles, member: false } };
  }
}

const isModerator = (p: Principal) =>
  p.realmRoles.includes("moderator") || p.realmRoles.includes("admin");

export async function getMessage(d: ChatDeps, p: Principal, id: string): Promise<Message> {
  const { message } = await loadMessage(d, p, id);
  return await presentMessage(sqlStores(d.sql), message);
}

/** A page bound given as a message id must be a message of the same conversation (or thread). */
async function boundSeq(
  d: ChatDeps,
  id: string | undefined,
  belongs: (m: MessageRecord) => boolean,
): Promise<number | undefined> {
  if (id === undefined) return undefined;
  const m = await sqlStores(d.sql).messages.get(id);
  if (!m || !belongs(m)) {
    throw badRequest("invalid_cursor", "before/after must name a message of this conversation");
  }
  return m.seq;
}

/**
 * A page of a conversation's top-level messages, newest first (keyset on the conversation's
 * sequence, never OFFSET). Deleted messages appear as tombstones.
 */
export async function listMessages(
  d: ChatDeps,
  p: Principal,
  ref: ConversationRef,
  q: { limit: number; before?: string; after?: string },
): Promise<{ messages: Message[]; has_more: boolean }> {
  await accessConversation(d.sql, d.directory, p, ref);
  const inConv = (m: MessageRecord) => (ref.kind === "channel" ? m.channel_id : m.dm_id) === ref.id;
  const s = sqlStores(d.sql);
  const page = await s.messages.history(ref, {
    limit: q.limit,
    beforeSeq: await boundSeq(d, q.before, inConv),
    afterSeq: await boundSeq(d, q.after, inConv),
  });
  return { messages: await presentMessages(s, page.rows), has_more: page.has_more };
}

/** A thread: its root and a page of replies, oldest first. A reply's id stands for its root. */
export async function listReplies(
  d: ChatDeps,
  p: Principal,
  id: string,
  q: { limit: number; before?: string; after?: string },
): Promise<{ parent: Message; messages: Message[]; has_more: boolean }> {
  const { message } = await loadMessage(d, p, id);
  const s = sqlStores(d.sql);
  const root = message.parent_id ? (await s.messages.get(message.parent_id))! : message;
  const inThread = (m: MessageRecord) => m.parent_id === root.id;
  const page = await s.messages.replies(root.id, {
    limit: q.limit,
    beforeSeq: await boundSeq(d, q.before, inThread),
    afterSeq: await boundSeq(d, q.after, inThread),
  });
  const [parent, ...messages] = await presentMessages(s, [root, ...page.rows]);
  return { parent: parent!, messages, has_more: page.has_more };
}

/** Edits one's own message: new content, mentions resolved again, edited_at, message.updated. */
export async function editMessage(
  d: ChatDeps,
  p: Principal,
  id: string,
  content: string,
): Promise<Message> {
  checkContent(content);
  const { message, access } = await loadMessage(d, p, id);
  if (message.user_id !== p.userId) {
    throw forbidden("not_author", "Only the author edits a message");
  }
  if (message.deleted_at) throw conflict("message_deleted", "This message was deleted");
  requireWritable(access);
  const ref = conversationOf(message);
  const mentions = await resolveMentions(d.sql, ref, p.userId, content, d.online);
  return await inTransaction(d, async (u) => {
    const pos = await lockPositions(u.db, ref);
    if (pos.archived) throw forbidden("channel_archived", "This channel is archived and read-only");
    const current = await u.s.messages.get(id);
    if (!current || current.deleted_at) {
      throw conflict("message_deleted", "This message was deleted");
    }
    const row = await u.s.messages.edit(id, content, mentions, d.now());
    const seq = pos.next();
    await pos.save();
    const presented = await presentMessage(u.s, row);
    u.emit(conversationEvent("message.updated", access.conv, seq, {
      message_id: id,
      content,
      edited_at: row.edited_at!.toISOString(),
      mentions,
      message: presented,
    }, d.now()));
    return presented;
  });
}

/**
 * Soft-deletes a message: its author (while the channel is writable), the channel's owners and
 * admins, or a moderator. The row stays as a tombstone without content; `message.deleted`
 * tells everyone. Deleting again changes nothing.
 */
export async function deleteMessage(d: ChatDeps, p: Principal, id: string): Promise<void> {
  const { message, access } = await loadMessage(d, p, id, { moderating: true });
  const own = message.user_id === p.userId;
  if (!own) requirePermission(access, "message.delete_any", "forbidden");
  else if (!isModerator(p)) requireWritable(access);
  const ref = conversationOf(message);
  await inTransaction(d, async (u) => {
    const pos = await lockPositions(u.db, ref);
    const row = await u.s.messages.softDelete(id, p.userId, d.now());
    if (!row) return;
    // Its files go with it: never downloadable again (their bytes are purged later).
    await u.s.files.deleteForMessage(id, d.now());
    if (row.parent_id) await u.s.messages.dropReply(row.parent_id);
    const seq = pos.next();
    await pos.save();
    u.emit(conversationEvent("message.deleted", access.conv, seq, {
      message_id: id,
      deleted_by: p.userId,
      deleted_at: row.deleted_at!.toISOString(),
      parent_id: row.parent_id,
      message: await presentMessage(u.s, row),
    }, d.now()));
    // Removing someone else's message is moderation: on the record, in the same transaction.
    if (!own) {
      await u.s.audit.append({
        user_id: p.userId,
        action: "message.delete",
        resource_type: "message",
        resource_id: id,
        metadata: {
          author_id: message.user_id,
          channel_id: message.channel_id,
          dm_id: message.dm_id,
          as: isModerator(p) ? "moderator" : "channel_admin",
        },
      });
    }
  });
}
