import { signal } from "@preact/signals";
import { endpoints, type UserProfile } from "../api/endpoints.ts";

/** Everyone the client has met, by id (the directory only shows people who share a workspace). */
export const users = signal<Record<string, UserProfile>>({});

const asked = new Set<string>();
let batch: string[] = [];

export function rememberUsers(list: UserProfile[]): void {
  if (!list.length) return;
  const next = { ...users.value };
  for (const u of list) next[u.id] = u;
  users.value = next;
}

/** Fetches the profiles we do not have yet, once each, in one burst per render. */
export function ensureUsers(ids: Iterable<string>): void {
  for (const id of ids) {
    if (users.value[id] || asked.has(id)) continue;
    asked.add(id);
    batch.push(id);
  }
  if (batch.length === 0) return;
  const todo = batch;
  batch = [];
  queueMicrotask(async () => {
    const found = await Promise.all(
      todo.map((id) => endpoints.user(id).catch(() => null)),
    );
    rememberUsers(found.filter((u): u is UserProfile => u !== null));
  });
}

/** Prefills the cache with the directory's first page: most workspaces fit. */
export async function loadDirectory(): Promise<void> {
  const { users: list } = await endpoints.users("", 100);
  rememberUsers(list);
}

export function displayName(id: string): string {
  const u = users.value[id];
  return u ? u.display_name || u.username : "…";
}

export function username(id: string): string {
  return users.value[id]?.username ?? "";
}

/** A status is shown until its expiry. */
export function activeStatus(u: UserProfile | undefined | null): UserProfile["status"] {
  const s = u?.status;
  if (!s || (!s.status_text && !s.status_emoji)) return null;
  if (s.status_expiry && Date.parse(s.status_expiry) <= Date.now()) return null;
  return s;
}
