import type { ConversationKind } from "./types.ts";

/** The messages column that names a conversation of this kind. */
export const conversationColumn = (kind: ConversationKind): "channel_id" | "dm_id" =>
  kind === "channel" ? "channel_id" : "dm_id";

/**
 * SQL columns with a member's unread state in one conversation, computed from the messages
 * themselves so they are right after edits, deletions and thread replies:
 * - unread_count: top-level messages of others after the read marker (thread replies are
 *   followed in their thread, as in Slack, and do not make the conversation unread);
 * - mention_count: messages of others after the marker that mention the member, thread replies
 *   included (a mention asks for attention wherever it is);
 * - last_read_message_id and last_message_at.
 * `conv` is the SQL expression of the conversation id, `user` of the member's id, `seq` of their
 * read marker. Deleted messages count for nothing.
 */
export function readCountColumns(
  kind: ConversationKind,
  conv: string,
  user: string,
  seq: string,
): string {
  const col = conversationColumn(kind);
  return `
    (select count(*) from messages m
      where m.${col} = ${conv} and m.seq > ${seq} and m.parent_id is null
        and m.deleted_at is null and m.user_id <> ${user})::int as unread_count,
    (select count(*) from messages m
      where m.${col} = ${conv} and m.seq > ${seq} and m.deleted_at is null
        and m.user_id <> ${user} and ${user} = any(m.mentions))::int as mention_count,
    (select m.id from messages m where m.${col} = ${conv} and m.seq = ${seq}) as last_read_message_id,
    (select m.created_at from messages m
      where m.${col} = ${conv} and m.parent_id is null and m.deleted_at is null
      order by m.seq desc limit 1) as last_message_at`;
}
