import { signal } from "@preact/signals";
import { endpoints } from "../api/endpoints.ts";

export type Presence = "online" | "away" | "offline";

/** Who is online, by user id: loaded for the people in the sidebar, kept live by the socket. */
export const presence = signal<Record<string, Presence>>({});
/** What the user chose in their menu ("away" until they come back). */
export const myPresence = signal<"online" | "away">("online");

export function setPresence(userId: string, status: Presence): void {
  if (presence.value[userId] === status) return;
  presence.value = { ...presence.value, [userId]: status };
}

/** Fetches the presence of these people (in pages of the API's 200). */
export async function loadPresence(userIds: readonly string[]): Promise<void> {
  const ids = [...new Set(userIds)];
  for (let i = 0; i < ids.length; i += 200) {
    const page = await endpoints.presence(ids.slice(i, i + 200));
    const next = { ...presence.value };
    for (const [id, p] of Object.entries(page)) next[id] = p.status;
    presence.value = next;
  }
}
