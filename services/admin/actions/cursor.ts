import type { Keyset } from "@colink/conversations";
import { badRequest } from "@colink/http";

/** An opaque page cursor: the last row's (created_at, id), base64url JSON. */
export function encodeKeyset(k: Keyset): string {
  return btoa(JSON.stringify([k.created_at.toISOString(), k.id]))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeKeyset(cursor: string | undefined): Keyset | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [at, id] = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/")));
    const created_at = new Date(at);
    if (
      typeof at !== "string" || Number.isNaN(created_at.getTime()) ||
      typeof id !== "string" || !/^[0-9a-f-]{36}$/.test(id)
    ) throw new Error("shape");
    return { created_at, id };
  } catch {
    throw badRequest("invalid_cursor", "cursor is not one this API gave out");
  }
}

/** The next page's cursor when the page is full (one more row was asked for to know). */
export function nextPage<T extends Keyset>(rows: T[], limit: number): {
  page: T[];
  next_cursor: string | null;
} {
  const page = rows.slice(0, limit);
  return { page, next_cursor: rows.length > limit ? encodeKeyset(page.at(-1)!) : null };
}
