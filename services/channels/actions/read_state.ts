import type { Principal } from "@colink/auth";
import { makeEvent, type ReadState } from "@colink/contracts";
import {
  accessConversation,
  type ChatDeps,
  type ConversationRef,
  inTransaction,
  sqlStores,
} from "@colink/conversations";
import { forbidden, notFound } from "@colink/http";

/**
 * Moves the caller's read marker to a message of the conversation (a thread reply counts as
 * its position). The marker never moves backwards: marking an older message changes nothing
 * and emits nothing. `read.updated` goes to the caller's other devices.
 */
export async function markRead(
  d: ChatDeps,
  p: Principal,
  ref: ConversationRef,
  messageId: string,
): Promise<ReadState> {
  const a = await accessConversation(d.sql, d.directory, p, ref);
  if (!a.member) throw forbidden("not_a_member", "Only members have a read marker");
  const message = await sqlStores(d.sql).messages.get(messageId);
  const col = ref.kind === "channel" ? message?.channel_id : message?.dm_id;
  if (!message || col !== ref.id) {
    throw notFound("message_not_found", "No such message in this conversation");
  }
  await inTransaction(d, async (u) => {
    const moved = await u.s.reads.advance(ref, p.userId, message.seq);
    if (moved === undefined) return;
    u.emit(makeEvent(
      "read.updated",
      p.userId,
      {
        user_id: p.userId,
        channel_id: ref.id,
        conversation_type: ref.kind,
        workspace_id: a.conv.workspace_id,
        last_read_message_id: message.id,
        last_read_seq: moved,
        timestamp: d.now().toISOString(),
      },
      d.now(),
      p.userId,
    ));
  });
  return await readState(d, p, ref);
}

export async function readState(
  d: ChatDeps,
  p: Principal,
  ref: ConversationRef,
): Promise<ReadState> {
  const c = await sqlStores(d.sql).reads.counts(ref, p.userId);
  if (!c) throw forbidden("not_a_member", "Only members have a read marker");
  return {
    conversation_id: ref.id,
    last_read_message_id: c.last_read_message_id,
    last_read_seq: c.last_read_seq,
    unread_count: c.unread_count,
    mention_count: c.mention_count,
  };
}
