import { isGuest, type Principal } from "@colink/auth";
import type { Dm } from "@colink/contracts";
import {
  accessConversation,
  type ChatDeps,
  conversationEvent,
  inTransaction,
  participantKey,
  sqlStores,
} from "@colink/conversations";
import { notFound } from "@colink/http";
import { toDm } from "./present.ts";
import { workspaceRoles } from "./workspaces.ts";

const noSuchUser = () => notFound("user_not_found", "No such user in this workspace");

/**
 * The DM of exactly the caller and `userIds`, created on first use. Everyone must be an active
 * member of the workspace; a guest may only write to people they share a conversation with.
 * `created` tells the route whether to answer 201 or 200.
 */
export async function openDm(
  d: ChatDeps,
  p: Principal,
  workspaceId: string,
  userIds: readonly string[],
): Promise<{ dm: Dm; created: boolean }> {
  const roles = await workspaceRoles(d, p, workspaceId);
  const people = participantKey([p.userId, ...userIds]).split(",");
  const s = sqlStores(d.sql);
  const members = await s.workspaces.membersAmong(workspaceId, people);
  if (members.length !== people.length) throw noSuchUser();
  if (isGuest(roles)) {
    const others = people.filter((id) => id !== p.userId);
    const [row] = await d.sql.query<{ n: number }>(
      `select count(distinct other.user_id)::int as n from channel_members mine
         join channel_members other on other.channel_id = mine.channel_id
        where mine.user_id = $1 and other.user_id = any($2::uuid[])`,
      [p.userId, others],
    );
    if ((row?.n ?? 0) !== others.length) throw noSuchUser();
  }
  const { id, created } = await inTransaction(d, async (u) => {
    const { dm, created } = await u.s.dms.open(workspaceId, people);
    if (created) {
      u.emit(conversationEvent(
        "dm.created",
        { kind: "dm", id: dm.id, workspace_id: workspaceId },
        1,
        {
          dm_id: dm.id,
          participant_ids: dm.participant_ids,
          user_id: p.userId,
          timestamp: d.now().toISOString(),
        },
        d.now(),
      ));
    }
    return { id: dm.id, created };
  });
  return { dm: await getDm(d, p, id), created };
}

export async function getDm(d: ChatDeps, p: Principal, id: string): Promise<Dm> {
  await accessConversation(d.sql, d.directory, p, { kind: "dm", id });
  const row = await sqlStores(d.sql).dms.listing(id, p.userId);
  if (!row) throw notFound("dm_not_found", "No such direct message");
  return toDm(row);
}

/** The caller's DMs in the workspace with their unread counts, most recently active first. */
export async function listDms(d: ChatDeps, p: Principal, workspaceId: string): Promise<Dm[]> {
  await workspaceRoles(d, p, workspaceId);
  return (await sqlStores(d.sql).dms.listForUser(workspaceId, p.userId)).map(toDm);
}
