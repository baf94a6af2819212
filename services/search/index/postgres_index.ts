import type { SqlExecutor } from "@colink/platform";
import type { Hit, SearchIndex } from "./port.ts";

/** `%term%` for ILIKE, with the pattern characters of the term itself taken literally. */
export const containing = (s: string): string => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The terms as a prefix tsquery (`'deploym':* & 'fail':*`), for ranking; null if none. */
function prefixQuery(terms: readonly string[]): string | null {
  const words = terms.flatMap((t) => t.match(/[\p{L}\p{N}]+/gu) ?? []);
  return words.length ? words.map((w) => `'${w.replace(/'/g, "''")}':*`).join(" & ") : null;
}

/** How many of the newest matches a message query ranks (pages end there). */
export const CANDIDATES = 2_000;

/** Seconds in 30 days: the recency boost halves... roughly every three weeks. */
const RECENCY_SECONDS = 30 * 24 * 3600;

/**
 * The default index, in PostgreSQL (PGlite embedded): a `simple` tsvector for ranking and
 * trigram GIN indexes for matching, so a term matches as a prefix or anywhere inside a word
 * (`deploym` finds "deployment"), and a substring of a CJK sentence finds it — word-based search
 * alone cannot do either. Every term and phrase must occur (case-insensitive); ranking is
 * full-text rank plus word similarity, boosted by recency.
 */
export function postgresIndex(db: SqlExecutor): SearchIndex {
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
    async searchMessages(q) {
      const params: unknown[] = [];
      const p = (v: unknown) => `$${params.push(v)}`;
      const where = ["not deleted", `conversation_id = any(${p(q.conversations)}::uuid[])`];
      for (const t of [...q.terms, ...q.phrases]) {
        where.push(`content ilike ${p(containing(t))} escape '\\'`);
      }
      if (q.from?.length) where.push(`user_id = any(${p(q.from)}::uuid[])`);
      if (q.before) where.push(`created_at < ${p(q.before)}`);
      if (q.after) where.push(`created_at >= ${p(q.after)}`);
      if (q.hasFile) where.push("has_file");
      if (q.isThread) where.push("parent_id is not null");
      const tsq = prefixQuery(q.terms);
      const text = [...q.terms, ...q.phrases].join(" ");
      const now = p(q.now);
      const relevance = [
        tsq ? `ts_rank_cd(tsv, to_tsquery('simple', ${p(tsq)})) * 4` : "0",
        text ? `word_similarity(${p(text)}, content)` : "0",
      ].join(" + ");
      const recency =
        `exp(-greatest(extract(epoch from (${now}::timestamptz - created_at)), 0) / ${RECENCY_SECONDS})`;
      // Ranking is computed for the newest CANDIDATES matches only: a common word matches tens of
      // thousands of messages, and scoring all of them is what made such queries slow; the
      // recency boost puts the newest first among equals anyway.
      return await db.query<Hit>(
        `with candidates as (
           select message_id, content, tsv, created_at from search_messages
            where ${where.join(" and ")} order by created_at desc limit ${CANDIDATES})
         select message_id as id, ((${relevance}) + 0.5 * ${recency})::float8 as score
           from candidates
          order by score desc, created_at desc, message_id
          offset ${p(q.offset)} limit ${p(q.limit + 1)}`,
        params,
      );
    },
    async searchFiles(q) {
      const params: unknown[] = [];
      const p = (v: unknown) => `$${params.push(v)}`;
      const where = [`conversation_id = any(${p(q.conversations)}::uuid[])`];
      for (const t of q.terms) where.push(`filename ilike ${p(containing(t))} escape '\\'`);
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
