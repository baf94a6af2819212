import type { SqlExecutor } from "@colink/platform";
import type { Hit, MessageQuery, SearchIndex } from "./port.ts";
import { occurrence } from "./port.ts";

/** `%term%` for ILIKE, with the pattern characters of the term itself taken literally. */
export const containing = (s: string): string => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The terms as a prefix tsquery (`'deploym':* & 'fail':*`), for ranking; null if none. */
function prefixQuery(terms: readonly string[]): string | null {
  const words = terms.flatMap((t) => t.match(/[\p{L}\p{N}]+/gu) ?? []);
  return words.length ? words.map((w) => `'${w.replace(/'/g, "''")}':*`).join(" & ") : null;
}

/**
 * Matches are ranked in tiers of this many, newest first: the first pages rank the newest
 * CANDIDATES matches by relevance (plus recency), the pages after them the next CANDIDATES, and so
 * on. Ranking every match of a common word at a million messages is what made such queries take
 * seconds; a tier bounds the work per page and paging never ends.
 */
export const CANDIDATES = 200;

/**
 * Time slices the newest matches are looked for in (days before the query's clock, then all
 * older): the newest day first, then as far back as its matches say a tier needs. A common word
 * costs a day of messages, not a year of them; a rare one two lookups.
 */
const SLICES_DAYS = [1, 7, 30, 180];

/** Seconds in 30 days: the recency boost's scale. */
const RECENCY_SECONDS = 30 * 24 * 3600;

/**
 * The default index, in PostgreSQL (PGlite embedded): a `simple` tsvector for ranking and
 * trigram GIN indexes for matching, so a term matches as a prefix or anywhere inside a word
 * (`deploym` finds "deployment"), and a substring of a CJK sentence finds it — word-based search
 * alone cannot do either. Every term and phrase must occur (case-insensitive; see `occurrence`);
 * ranking is full-text rank (whole words and word prefixes score) boosted by recency, within
 * tiers of the newest matches (CANDIDATES).
 */
export function postgresIndex(db: SqlExecutor): SearchIndex {
  async function searchMessages(q: MessageQuery): Promise<Hit[]> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where = ["not deleted", `conversation_id = any(${p(q.conversations)}::uuid[])`];
    const text: string[] = [];
    for (const t of [...q.terms, ...q.phrases]) {
      if (occurrence(t) === "anywhere") {
        text.push(`content ilike ${p(containing(t))} escape '\\'`);
      } else {
        const words = prefixQuery([t]);
        if (words) text.push(`tsv @@ to_tsquery('simple', ${p(words)})`);
      }
    }
    if (q.from?.length) where.push(`user_id = any(${p(q.from)}::uuid[])`);
    if (q.before) where.push(`created_at < ${p(q.before)}`);
    if (q.after) where.push(`created_at >= ${p(q.after)}`);
    if (q.hasFile) where.push("has_file");
    if (q.isThread) where.push("parent_id is not null");
    const tsq = prefixQuery(q.terms);
    const now = p(q.now);
    const relevance = tsq ? `ts_rank_cd(tsv, to_tsquery('simple', ${p(tsq)})) * 4` : "0";
    const recency =
      `exp(-greatest(extract(epoch from (${now}::timestamptz - created_at)), 0) / ${RECENCY_SECONDS})`;
    const tier = Math.floor(q.offset / CANDIDATES);
    const wanted = (tier + 1) * CANDIDATES;
    // The newest `wanted` matches (this tier's end), looked for slice by slice, newest first,
    // until there are enough: the newest day scanned, each older slice a small bitmap of the
    // trigram index and the conversation/time index.
    const newest: (Hit & { created_at: Date })[] = [];
    const bound = (days: number) => `${now}::timestamptz - interval '${days} days'`;
    for (let covered = 0, next: number | null = SLICES_DAYS[0]!; newest.length < wanted;) {
      const slice = [
        ...(covered ? [`created_at < ${bound(covered)}`] : []),
        ...(next === null ? [] : [`created_at >= ${bound(next)}`]),
      ];
      // The newest day is read whole and matched row by row (OFFSET 0 keeps the text conditions
      // out of the scan): bounded by a day of the caller's conversations, and far cheaper than a
      // trigram index lookup of a common word, whose posting lists span the whole year.
      const rows = covered
        ? `search_messages where ${[...where, ...slice, ...text].join(" and ")}`
        : `(select * from search_messages where ${[...where, ...slice].join(" and ")} offset 0) day
            where ${["true", ...text].join(" and ")}`;
      newest.push(
        ...await db.query<Hit & { created_at: Date }>(
          `select message_id as id, created_at, ((${relevance}) + 0.5 * ${recency})::float8 as score
             from ${rows} order by created_at desc, message_id desc limit ${
            wanted - newest.length
          }`,
          params,
        ),
      );
      if (next === null) break;
      // The next slice reaches as far back as the matches so far say a tier needs (half again
      // for luck); none in the newest day: a rare match, the rest of time in one go.
      covered = next;
      const needed = newest.length ? (covered * wanted * 1.5) / newest.length : Infinity;
      next = SLICES_DAYS.find((d) => d > covered && d >= needed) ?? null;
    }
    const start = q.offset - tier * CANDIDATES;
    const rows = newest.slice(tier * CANDIDATES, wanted)
      .sort((x, y) =>
        y.score - x.score || y.created_at.getTime() - x.created_at.getTime() ||
        (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)
      )
      .slice(start, start + q.limit + 1)
      .map(({ id, score }) => ({ id, score }));
    if (rows.length > q.limit || q.offset + rows.length < wanted) return rows;
    // The page reaches the end of its tier: the rest of it (or, for a page that ends there, the
    // one match telling the caller there is a next page) comes from the next tier.
    return [
      ...rows,
      ...await searchMessages({ ...q, offset: wanted, limit: q.limit - rows.length }),
    ];
  }

  return {
    kind: "postgres",
    prepare: () => Promise.resolve(), // the tables come with the migrations
    async upsertMessages(docs) {
      for (const d of docs) {
        await db.query(
          `insert into search_messages (message_id, workspace_id, conversation_id, conversation_kind,
             user_id, parent_id, content, has_file, created_at, version)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           on conflict (message_id) do update set content = excluded.content,
             has_file = excluded.has_file, version = excluded.version
           where search_messages.version < excluded.version and not search_messages.deleted`,
          [
            d.message_id,
            d.workspace_id,
            d.conversation_id,
            d.conversation_kind,
            d.user_id,
            d.parent_id,
            d.content,
            d.has_file,
            d.created_at,
            d.version,
          ],
        );
      }
    },
    async deleteMessage(id, version) {
      await db.query(
        `update search_messages set deleted = true, content = '', version = greatest(version, $2)
          where message_id = $1`,
        [id, version],
      );
    },
    async upsertFiles(docs) {
      for (const d of docs) {
        await db.query(
          `insert into search_files (file_id, workspace_id, conversation_id, uploader_id, filename,
             content_type, size_bytes, created_at, version)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           on conflict (file_id) do update set filename = excluded.filename,
             content_type = excluded.content_type, size_bytes = excluded.size_bytes,
             version = excluded.version
           where search_files.version < excluded.version`,
          [
            d.file_id,
            d.workspace_id,
            d.conversation_id,
            d.uploader_id,
            d.filename,
            d.content_type,
            d.size_bytes,
            d.created_at,
            d.version,
          ],
        );
      }
    },
    async deleteFile(id) {
      await db.query("delete from search_files where file_id = $1", [id]);
    },
    searchMessages,
    async searchFiles(q) {
      const params: unknown[] = [];
      const p = (v: unknown) => `$${params.push(v)}`;
      const where = [`conversation_id = any(${p(q.conversations)}::uuid[])`];
      for (const t of q.terms) {
        where.push(
          occurrence(t) === "anywhere"
            ? `filename ilike ${p(containing(t))} escape '\\'`
            : `filename ~* ${
              p(`(^|[^[:alnum:]])${t.replace(/[^\p{L}\p{N}]/gu, (c) => `\\${c}`)}`)
            }`,
        );
      }
      if (q.from?.length) where.push(`uploader_id = any(${p(q.from)}::uuid[])`);
      if (q.type?.endsWith("/")) where.push(`content_type like ${p(`${q.type}%`)}`);
      else if (q.type) where.push(`content_type = ${p(q.type)}`);
      const text = q.terms.join(" ");
      const now = p(q.now);
      const recency =
        `exp(-greatest(extract(epoch from (${now}::timestamptz - created_at)), 0) / ${RECENCY_SECONDS})`;
      return await db.query<Hit>(
        `select file_id as id,
                (${
          text ? `similarity(${p(text)}, filename)` : "0"
        } + 0.5 * ${recency})::float8 as score
           from search_files where ${where.join(" and ")}
          order by score desc, created_at desc, file_id
          offset ${p(q.offset)} limit ${p(q.limit + 1)}`,
        params,
      );
    },
    async clear() {
      await db.exec("delete from search_messages; delete from search_files;");
    },
    refresh: () => Promise.resolve(),
  };
}
