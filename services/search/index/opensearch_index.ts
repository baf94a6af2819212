import type {
  FileQuery,
  Hit,
  IndexedFile,
  IndexedMessage,
  MessageQuery,
  SearchIndex,
} from "./port.ts";
import { occurrence, SUBSTRING_MIN } from "./port.ts";

/**
 * A filter clause for one term or phrase (see `occurrence`). Three characters or more: a phrase
 * over the `grams` subfield (every trigram of the text, spaces included, at consecutive
 * positions), which is exactly "contains, case-insensitively" and needs no per-document check.
 * A shorter CJK term: a phrase of the analysed text (each ideograph is a token there). Any other
 * short term: a prefix of a word.
 */
function contains(field: string, t: string) {
  if ([...t].length >= SUBSTRING_MIN) return { match_phrase: { [`${field}.grams`]: t } };
  if (occurrence(t) === "anywhere") return { match_phrase: { [field]: t } };
  return { prefix: { [field]: { value: t.toLowerCase() } } };
}

/** Index names after the prefix; the suffix changes with the mapping (a reindex fills a new one). */
const MESSAGES = "messages-v2";
const FILES = "files-v2";

/**
 * The index for deployments that outgrow one database: OpenSearch 2.x over its REST API. The
 * same semantics as the PostgreSQL index: every term and phrase must occur as a case-insensitive
 * substring (a trigram subfield: prefixes, pieces of words and CJK substrings), ranking by
 * BM25 on the analysed text (terms, prefixes, phrases) with a recency decay. Writes use external
 * versions (the event's conversation position), so a repeated or older event is refused by the
 * engine itself; a deletion is a versioned tombstone, so a late update cannot revive it.
 */
export function openSearchIndex(
  o: { url: string; prefix: string; fetch?: typeof fetch },
): SearchIndex {
  const f = o.fetch ?? fetch;
  const base = o.url.replace(/\/$/, "");
  const messages = `${o.prefix}${MESSAGES}`;
  const files = `${o.prefix}${FILES}`;

  async function call(method: string, path: string, body?: unknown, ok: number[] = []) {
    const res = await f(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : {
        "content-type": typeof body === "string" ? "application/x-ndjson" : "application/json",
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok && !ok.includes(res.status)) {
      throw new Error(`OpenSearch ${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    }
    return text ? JSON.parse(text) : {};
  }

  /** Bulk writes with external versions; a version conflict (older or same event) is fine. */
  async function bulk(index: string, docs: { id: string; version: number; doc: unknown }[]) {
    if (!docs.length) return;
    const lines = docs.flatMap((d) => [
      JSON.stringify({
        index: { _index: index, _id: d.id, version: d.version, version_type: "external" },
      }),
      JSON.stringify(d.doc),
    ]);
    const r = await call("POST", "/_bulk", lines.join("\n") + "\n");
    if (r.errors) {
      const failed = (r.items as { index: { status: number; error?: unknown } }[])
        .filter((i) => i.index.status !== 409 && i.index.status >= 300);
      if (failed.length) {
        throw new Error(`OpenSearch bulk: ${JSON.stringify(failed[0]!.index.error)}`);
      }
    }
  }

  const recency = (now: Date) => ({
    exp: { created_at: { origin: now.toISOString(), scale: "30d", decay: 0.5 } },
    weight: 1,
  });

  async function ids(index: string, query: unknown, q: { offset: number; limit: number }) {
    const r = await call("POST", `/${index}/_search`, {
      query,
      from: q.offset,
      size: q.limit + 1,
      _source: false,
      sort: ["_score", { created_at: "desc" }, { _id: "asc" }],
      track_total_hits: false,
    });
    return (r.hits.hits as { _id: string; _score: number }[]).map((h): Hit => ({
      id: h._id,
      score: h._score ?? 0,
    }));
  }

  return {
    kind: "opensearch",
    async prepare() {
      const settings = {
        number_of_shards: 1,
        number_of_replicas: 0,
        analysis: {
          // Every three characters of the text, whitespace and punctuation included, lowercased.
          tokenizer: { trigram: { type: "ngram", min_gram: 3, max_gram: 3, token_chars: [] } },
          analyzer: { trigram: { type: "custom", tokenizer: "trigram", filter: ["lowercase"] } },
        },
      };
      const keyword = { type: "keyword" };
      const grams = { grams: { type: "text", analyzer: "trigram", norms: false } };
      await call("PUT", `/${messages}`, {
        settings,
        mappings: {
          dynamic: "strict",
          properties: {
            workspace_id: keyword,
            conversation_id: keyword,
            conversation_kind: keyword,
            user_id: keyword,
            parent_id: keyword,
            content: { type: "text", analyzer: "standard", fields: grams },
            has_file: { type: "boolean" },
            created_at: { type: "date" },
            deleted: { type: "boolean" },
          },
        },
      }, [400]); // 400: it exists already
      await call("PUT", `/${files}`, {
        settings,
        mappings: {
          dynamic: "strict",
          properties: {
            workspace_id: keyword,
            conversation_id: keyword,
            uploader_id: keyword,
            filename: { type: "text", analyzer: "standard", fields: grams },
            content_type: keyword,
            size_bytes: { type: "long" },
            created_at: { type: "date" },
          },
        },
      }, [400]);
    },
    async upsertMessages(docs: readonly IndexedMessage[]) {
      await bulk(
        messages,
        docs.map((d) => ({
          id: d.message_id,
          version: d.version,
          doc: {
            workspace_id: d.workspace_id,
            conversation_id: d.conversation_id,
            conversation_kind: d.conversation_kind,
            user_id: d.user_id,
            parent_id: d.parent_id,
            content: d.content,
            has_file: d.has_file,
            created_at: d.created_at.toISOString(),
            deleted: false,
          },
        })),
      );
    },
    async deleteMessage(id, version) {
      await bulk(messages, [{
        id,
        version,
        doc: { content: "", deleted: true, created_at: new Date(0).toISOString() },
      }]);
    },
    async upsertFiles(docs: readonly IndexedFile[]) {
      await bulk(
        files,
        docs.map((d) => ({
          id: d.file_id,
          version: d.version,
          doc: {
            workspace_id: d.workspace_id,
            conversation_id: d.conversation_id,
            uploader_id: d.uploader_id,
            filename: d.filename,
            content_type: d.content_type,
            size_bytes: d.size_bytes,
            created_at: d.created_at.toISOString(),
          },
        })),
      );
    },
    async deleteFile(id) {
      await call("DELETE", `/${files}/_doc/${encodeURIComponent(id)}`, undefined, [404]);
    },
    async searchMessages(q: MessageQuery) {
      const filter: unknown[] = [
        { terms: { conversation_id: q.conversations } },
        { term: { deleted: false } },
        ...[...q.terms, ...q.phrases].map((t) => contains("content", t)),
      ];
      if (q.from?.length) filter.push({ terms: { user_id: q.from } });
      if (q.before || q.after) {
        filter.push({
          range: {
            created_at: {
              ...(q.before ? { lt: q.before.toISOString() } : {}),
              ...(q.after ? { gte: q.after.toISOString() } : {}),
            },
          },
        });
      }
      if (q.hasFile) filter.push({ term: { has_file: true } });
      if (q.isThread) filter.push({ exists: { field: "parent_id" } });
      const text = q.terms.join(" ");
      const should: unknown[] = [
        ...(text ? [{ match: { content: text } }, { match_bool_prefix: { content: text } }] : []),
        ...q.phrases.map((p) => ({ match_phrase: { content: { query: p, boost: 2 } } })),
      ];
      return await ids(messages, {
        function_score: {
          query: { bool: { filter, should } },
          functions: [recency(q.now)],
          score_mode: "sum",
          boost_mode: "sum",
        },
      }, q);
    },
    async searchFiles(q: FileQuery) {
      const filter: unknown[] = [
        { terms: { conversation_id: q.conversations } },
        ...q.terms.map((t) => contains("filename", t)),
      ];
      if (q.from?.length) filter.push({ terms: { uploader_id: q.from } });
      if (q.type?.endsWith("/")) filter.push({ prefix: { content_type: q.type } });
      else if (q.type) filter.push({ term: { content_type: q.type } });
      const text = q.terms.join(" ");
      return await ids(files, {
        function_score: {
          query: { bool: { filter, should: text ? [{ match: { filename: text } }] : [] } },
          functions: [recency(q.now)],
          score_mode: "sum",
          boost_mode: "sum",
        },
      }, q);
    },
    async clear() {
      for (const index of [messages, files]) {
        await call(
          "POST",
          `/${index}/_delete_by_query?refresh=true`,
          { query: { match_all: {} } },
          [404],
        );
      }
    },
    async refresh() {
      await call("POST", `/${messages},${files}/_refresh`, undefined, [404]);
    },
  };
}

/** Deletes the service's indexes (tests: each run uses its own prefix). */
export async function dropOpenSearchIndexes(url: string, prefix: string): Promise<void> {
  for (const name of [MESSAGES, FILES]) {
    const res = await fetch(`${url.replace(/\/$/, "")}/${prefix}${name}`, { method: "DELETE" });
    await res.body?.cancel();
  }
}
