import type { Principal } from "@colink/auth";
import type { Message } from "@colink/contracts";
import {
  conversationEvent,
  type ConversationRef,
  inTransaction,
  lockPositions,
  presentMessage,
  sqlStores,
} from "@colink/conversations";
import { badRequest, conflict, notFound } from "@colink/http";
import { requireRealmPermission } from "./authority.ts";
import type { AdminDeps } from "./deps.ts";

/**
 * Locks (or unlocks) a thread: replies are refused with 403 thread_locked while it is locked.
 * The thread's first message carries `thread_locked_at`; `message.updated` tells its viewers.
 */
export async function setThreadLock(
  d: AdminDeps,
  p: Principal,
  id: string,
  locked: boolean,
): Promise<Message> {
  requireRealmPermission(p, "moderation.act");
  const s = sqlStores(d.chat.sql);
  const m = await s.messages.get(id);
  if (!m) throw notFound("message_not_found", "No such message");
  if (m.parent_id) {
    throw badRequest("not_a_thread_root", "Lock a thread by its first message, not a reply");
  }
  if (m.deleted_at) throw conflict("message_deleted", "This message was deleted");
  const ref: ConversationRef = m.channel_id
    ? { kind: "channel", id: m.channel_id }
    : { kind: "dm", id: m.dm_id! };
  const conv = await d.chat.directory.get(ref);
  if (!conv) throw notFound("message_not_found", "No such message");
  return await inTransaction(d.chat, async (u) => {
    const pos = await lockPositions(u.db, ref);
    const current = (await u.s.messages.getForUpdate(id))!;
    if (Boolean(current.thread_locked_at) === locked) return await presentMessage(u.s, current);
    const row = (await u.s.messages.setThreadLock(id, locked ? d.chat.now() : null))!;
    const presented = await presentMessage(u.s, row);
    u.emit(conversationEvent("message.updated", conv, pos.next(), {
      message_id: id,
      content: row.content,
      edited_at: row.edited_at?.toISOString() ?? null,
      mentions: row.mentions,
      message: presented,
    }, d.chat.now()));
    await pos.save();
    await u.s.audit.append({
      user_id: p.userId,
      action: locked ? "thread.lock" : "thread.unlock",
      resource_type: "message",
      resource_id: id,
      metadata: { channel_id: m.channel_id, dm_id: m.dm_id, author_id: m.user_id },
    });
    return presented;
  });
}
