import type { Principal } from "@colink/auth";
import type { FoundFile, Message } from "@colink/contracts";
import { attachedFile, presentMessages, sqlStores } from "@colink/conversations";
import { badRequest } from "@colink/http";
import type { Sql } from "@colink/platform";
import type { SearchIndex } from "../index/port.ts";
import { highlight } from "./highlight.ts";
import { parseQuery } from "./parse_query.ts";

export interface SearchDeps {
  sql: Sql;
  index: SearchIndex;
  now(): Date;
}

/** Page cursors: the offset and the clock the first page ranked with (stable recency). */
function encodeCursor(offset: number, now: Date): string {
  return btoa(JSON.stringify([offset, now.toISOString()])).replace(/=+$/, "");
}
function decodeCursor(cursor: string | undefined, now: Date): { offset: number; now: Date } {
  if (!cursor) return { offset: 0, now };
  try {
    const [offset, at] = JSON.parse(atob(cursor));
    const d = new Date(at);
    if (!Number.isInteger(offset) || offset < 0 || offset > 10_000 || Number.isNaN(d.getTime())) {
      throw new Error("shape");
    }
    return { offset, now: d };
  } catch {
    throw badRequest("invalid_cursor", "cursor is not one this API gave out");
  }
}

function date(v: string | undefined, name: string): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(d.getTime())) throw badRequest("invalid_query", `${name}: not a date (${v})`);
  return d;
}

/**
 * The conversations the caller can read right now: their channels and DMs. Decided at query
 * time, never stored in the index, so a removal takes effect on the next search.
 */
async function readable(sql: Sql, userId: string): Promise<Map<string, string | null>> {
  const rows = await sql.query<{ id: string; name: string | null }>(
    `select c.id::text, lower(c.name) as name from channel_members m join channels c on c.id = m.channel_id
      where m.user_id = $1
     union all select dm_id::text, null from dm_participants where user_id = $1`,
    [userId],
  );
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** `in:` values (ids or channel names) → the readable conversations they name. */
function narrow(all: Map<string, string | null>, wanted: string[]): string[] {
  if (!wanted.length) return [...all.keys()];
  return [...all].filter(([id, name]) =>
    wanted.some((w) => w === id || (name !== null && w.toLowerCase() === name))
  ).map(([id]) => id);
}

/** `from:` values (ids or usernames) → user ids. */
async function authors(sql: Sql, wanted: string[]): Promise<string[] | undefined> {
  if (!wanted.length) return undefined;
  const ids = wanted.filter((w) => /^[0-9a-f-]{36}$/i.test(w));
  const names = wanted.filter((w) => !ids.includes(w)).map((w) => w.toLowerCase());
  const rows = await sql.query<{ id: string }>(
    "select id::text from users where id = any($1::uuid[]) or lower(username) = any($2::text[])",
    [ids, names],
  );
  return rows.length ? rows.map((r) => r.id) : ["00000000-0000-0000-0000-000000000000"];
}

export async function searchMessages(
  d: SearchDeps,
  p: Principal,
  q: {
    q: string;
    in?: string;
    from?: string;
    before?: string;
    after?: string;
    has?: "file";
    is?: "thread";
    limit: number;
    cursor?: string;
  },
): Promise<
  { hits: { message: Message; highlight: string; score: number }[]; next_cursor: string | null }
> {
  const parsed = parseQuery(q.q);
  const page = decodeCursor(q.cursor, d.now());
  const conversations = narrow(await readable(d.sql, p.userId), [
    ...parsed.in,
    ...(q.in ? [q.in] : []),
  ]);
  if (!conversations.length) return { hits: [], next_cursor: null };
  const hits = await d.index.searchMessages({
    terms: parsed.terms,
    phrases: parsed.phrases,
    conversations,
    from: await authors(d.sql, [...parsed.from, ...(q.from ? [q.from] : [])]),
    before: date(q.before ?? parsed.before, "before"),
    after: date(q.after ?? parsed.after, "after"),
    hasFile: parsed.hasFile || q.has === "file",
    isThread: parsed.isThread || q.is === "thread",
    now: page.now,
    offset: page.offset,
    limit: q.limit,
  });
  const more = hits.length > q.limit;
  const s = sqlStores(d.sql);
  // The index is a projection that may lag: what is shown is the message as it is now, and a
  // message deleted or moved out of reach meanwhile is left out.
  const allowed = new Set(conversations);
  const rows = (await Promise.all(hits.slice(0, q.limit).map((h) => s.messages.get(h.id))))
    .filter((m) => m && !m.deleted_at && allowed.has((m.channel_id ?? m.dm_id)!));
  const messages = await presentMessages(s, rows.map((m) => m!));
  const score = new Map(hits.map((h) => [h.id, h.score]));
  const needles = [...parsed.terms, ...parsed.phrases];
  return {
    hits: messages.map((m) => ({
      message: m,
      highlight: highlight(m.content, needles),
      score: Math.round(score.get(m.id)! * 1e4) / 1e4,
    })),
    next_cursor: more ? encodeCursor(page.offset + q.limit, page.now) : null,
  };
}

export async function searchFiles(
  d: SearchDeps,
  p: Principal,
  q: { q: string; in?: string; from?: string; type?: string; limit: number; cursor?: string },
): Promise<{ hits: { file: FoundFile; highlight: string }[]; next_cursor: string | null }> {
  const parsed = parseQuery(q.q);
  const page = decodeCursor(q.cursor, d.now());
  const conversations = narrow(await readable(d.sql, p.userId), [
    ...parsed.in,
    ...(q.in ? [q.in] : []),
  ]);
  if (!conversations.length) return { hits: [], next_cursor: null };
  const hits = await d.index.searchFiles({
    terms: [...parsed.terms, ...parsed.phrases],
    conversations,
    from: await authors(d.sql, [...parsed.from, ...(q.from ? [q.from] : [])]),
    type: q.type,
    now: page.now,
    offset: page.offset,
    limit: q.limit,
  });
  const s = sqlStores(d.sql);
  // Files follow the files service's rule: the uploader alone until a message attaches them.
  const files = (await Promise.all(hits.slice(0, q.limit).map((h) => s.files.get(h.id))))
    .filter((f) => f && !f.deleted_at && (f.message_id !== null || f.uploader_id === p.userId));
  const needles = [...parsed.terms, ...parsed.phrases];
  return {
    hits: files.map((f) => ({
      file: {
        ...attachedFile(f!),
        channel_id: f!.channel_id,
        dm_id: f!.dm_id,
        uploader_id: f!.uploader_id,
        message_id: f!.message_id,
        created_at: f!.created_at.toISOString(),
      },
      highlight: highlight((f!.current ?? f!.latest).filename, needles),
    })),
    next_cursor: hits.length > q.limit ? encodeCursor(page.offset + q.limit, page.now) : null,
  };
}
