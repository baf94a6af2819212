import { signal } from "@preact/signals";
import { endpoints, type Member } from "../api/endpoints.ts";
import { ensureUsers } from "./users.ts";

/** Members of channels we looked at, by channel id (refetched when the member list is shown). */
export const members = signal<Record<string, Member[]>>({});

export async function loadMembers(channelId: string): Promise<Member[]> {
  const { members: list } = await endpoints.members(channelId);
  ensureUsers(list.map((m) => m.user_id));
  members.value = { ...members.value, [channelId]: list };
  return list;
}
