import type { SqlExecutor } from "@colink/platform";
import type { ConversationRef } from "./stores/types.ts";

/** Who is online right now (presence); @here mentions these members. */
export type OnlineFilter = (userIds: readonly string[]) => Promise<string[]>;

export interface MentionTokens {
  usernames: string[];
  /** @channel, @all or @everyone: every member. */
  everyone: boolean;
  /** @here: the members online now. */
  here: boolean;
}

const BROADCAST = new Set(["channel", "all", "everyone"]);

/**
 * The @-mentions written in markdown content, outside code spans and code blocks (a snippet
 * that shows `@bob` does not notify bob). Usernames are matched case-insensitively.
 */
export function parseMentions(content: string): MentionTokens {
  const prose = content.replace(/```[\s\S]*?(```|$)/g, " ").replace(/`[^`\n]*`/g, " ");
  const names = new Set<string>();
  let everyone = false;
  let here = false;
  for (const m of prose.matchAll(/(?<![\p{L}\p{N}_@.\/])@([a-z0-9][a-z0-9._-]{0,63})/giu)) {
    const name = m[1]!.toLowerCase().replace(/[._-]+$/, "");
    if (BROADCAST.has(name)) everyone = true;
    else if (name === "here") here = true;
    else names.add(name);
  }
  return { usernames: [...names], everyone, here };
}

const membersOf = (conv: ConversationRef) =>
  conv.kind === "channel"
    ? "select user_id from channel_members where channel_id = $1"
    : "select user_id from dm_participants where dm_id = $1";

/**
 * Resolves the mentions of `content` to user ids, among the conversation's members only (a
 * mention never tells anyone about a conversation they cannot read). The author is left out.
 */
export async function resolveMentions(
  db: SqlExecutor,
  conv: ConversationRef,
  authorId: string,
  content: string,
  online: OnlineFilter,
): Promise<string[]> {
  const t = parseMentions(content);
  if (!t.usernames.length && !t.everyone && !t.here) return [];
  const ids = new Set<string>();
  if (t.usernames.length) {
    const rows = await db.query<{ id: string }>(
      `select u.id from users u join (${membersOf(conv)}) m on m.user_id = u.id
        where lower(u.username) = any($2::text[]) and u.deactivated_at is null`,
      [conv.id, t.usernames],
    );
    rows.forEach((r) => ids.add(r.id));
  }
  if (t.everyone || t.here) {
    const all = (await db.query<{ user_id: string }>(membersOf(conv), [conv.id])).map((r) =>
      r.user_id
    );
    for (const id of t.everyone ? all : await online(all)) ids.add(id);
  }
  ids.delete(authorId);
  return [...ids].sort();
}
