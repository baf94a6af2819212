import { conversationEvent } from "./events.ts";
import { lockPositions } from "./positions.ts";
import type { ChatDeps, UnitOfWork } from "./unit_of_work.ts";

/**
 * Takes a member out of a channel inside an action's transaction: the membership row goes, and
 * `channel.member_left` takes the channel's next position (the user's sockets stop following it,
 * queued events included). False when they were not a member. Used by leaving, removal by the
 * channel's managers, and moderation's kick.
 */
export async function removeFromChannelTx(
  d: Pick<ChatDeps, "now">,
  u: UnitOfWork,
  channel: { id: string; workspace_id: string },
  userId: string,
  actorId: string,
): Promise<boolean> {
  const ref = { kind: "channel" as const, id: channel.id };
  const pos = await lockPositions(u.db, ref);
  if (!(await u.s.channels.removeMember(channel.id, userId))) return false;
  u.emit(conversationEvent(
    "channel.member_left",
    { ...ref, workspace_id: channel.workspace_id },
    pos.next(),
    { user_id: userId, actor_id: actorId, timestamp: d.now().toISOString() },
    d.now(),
    userId,
  ));
  await pos.save();
  return true;
}
