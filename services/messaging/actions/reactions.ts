import type { Principal } from "@colink/auth";
import type { Message } from "@colink/contracts";
import {
  type ChatDeps,
  conversationEvent,
  inTransaction,
  isValidEmoji,
  lockPositions,
  MAX_DISTINCT_REACTIONS,
  presentMessage,
  requireWritable,
} from "@colink/conversations";
import { badRequest, conflict, forbidden } from "@colink/http";
import { conversationOf, loadMessage } from "./messages.ts";

function checkEmoji(emoji: string): void {
  if (!isValidEmoji(emoji)) {
    throw badRequest("invalid_emoji", "A reaction is one emoji or a :short_name:", [
      { path: "emoji", message: "not an emoji" },
    ]);
  }
}

/**
 * Adds the caller's reaction (idempotent: reacting twice with the same emoji changes nothing and
 * emits nothing). At most MAX_DISTINCT_REACTIONS distinct emoji per message, exact under
 * concurrency because reactions take the conversation's lock.
 */
export async function addReaction(
  d: ChatDeps,
  p: Principal,
  messageId: string,
  emoji: string,
): Promise<Message> {
  checkEmoji(emoji);
  return await react(d, p, messageId, emoji, "add");
}

export async function removeReaction(
  d: ChatDeps,
  p: Principal,
  messageId: string,
  emoji: string,
): Promise<Message> {
  checkEmoji(emoji);
  return await react(d, p, messageId, emoji, "remove");
}

async function react(
  d: ChatDeps,
  p: Principal,
  messageId: string,
  emoji: string,
  op: "add" | "remove",
): Promise<Message> {
  const { message, access } = await loadMessage(d, p, messageId);
  requireWritable(access);
  if (message.deleted_at) throw conflict("message_deleted", "This message was deleted");
  const ref = conversationOf(message);
  return await inTransaction(d, async (u) => {
    const pos = await lockPositions(u.db, ref);
    if (pos.archived) throw forbidden("channel_archived", "This channel is archived and read-only");
    const now = d.now();
    if (op === "add") {
      const usage = await u.s.reactions.usage(messageId, emoji);
      if (!usage.has && usage.distinct >= MAX_DISTINCT_REACTIONS) {
        throw conflict(
          "too_many_reactions",
          `A message can have at most ${MAX_DISTINCT_REACTIONS} different reactions`,
        );
      }
      const added = await u.s.reactions.add(messageId, p.userId, emoji);
      if (added) {
        u.emit(conversationEvent("reaction.added", access.conv, pos.next(), {
          reaction_id: added.id,
          message_id: messageId,
          user_id: p.userId,
          emoji,
          timestamp: now.toISOString(),
        }, now));
      }
    } else if (await u.s.reactions.remove(messageId, p.userId, emoji)) {
      u.emit(conversationEvent("reaction.removed", access.conv, pos.next(), {
        message_id: messageId,
        user_id: p.userId,
        emoji,
        timestamp: now.toISOString(),
      }, now));
    }
    await pos.save();
    return await presentMessage(u.s, (await u.s.messages.get(messageId))!);
  });
}
