/**
 * The search index port: what the search service keeps and asks, whichever engine holds it —
 * PostgreSQL full text + trigrams (the default, both modes) or OpenSearch (OPENSEARCH_URL). One
 * contract suite (shared/testing/contracts/search_index_contract.ts) runs against both.
 *
 * The index is a projection of PostgreSQL's messages and files: every write carries a version (the
 * event's position in its conversation) and an older version never overwrites a newer one, so
 * events may arrive twice or out of order. Permissions are not the index's business beyond the
 * `conversations` filter the caller's actions compute at query time.
 */
export interface IndexedMessage {
  message_id: string;
  workspace_id: string;
  conversation_id: string;
  conversation_kind: "channel" | "dm";
  user_id: string;
  parent_id: string | null;
  content: string;
  has_file: boolean;
  created_at: Date;
  version: number;
}

export interface IndexedFile {
  file_id: string;
  workspace_id: string;
  conversation_id: string;
  uploader_id: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  created_at: Date;
  version: number;
}

/** A parsed query: every term and phrase must match (terms as prefixes or substrings). */
export interface MessageQuery {
  terms: string[];
  phrases: string[];
  /** Only these conversations (the ones the caller can read, narrowed by `in:`). */
  conversations: string[];
  from?: string[];
  before?: Date;
  after?: Date;
  hasFile?: boolean;
  /** Replies in threads only. */
  isThread?: boolean;
  /** The clock ranking's recency boost is computed against (fixed across pages). */
  now: Date;
  offset: number;
  limit: number;
}

export interface FileQuery {
  terms: string[];
  conversations: string[];
  from?: string[];
  /** A content type, or a prefix of one ending in "/" (e.g. "image/"). */
  type?: string;
  now: Date;
  offset: number;
  limit: number;
}

export interface Hit {
  id: string;
  score: number;
}

export interface SearchIndex {
  readonly kind: "postgres" | "opensearch";
  /** Creates what the engine needs (idempotent). */
  prepare(): Promise<void>;
  upsertMessages(docs: readonly IndexedMessage[]): Promise<void>;
  /** Marks it deleted at `version` (kept, so an older update arriving late cannot revive it). */
  deleteMessage(messageId: string, version: number): Promise<void>;
  upsertFiles(docs: readonly IndexedFile[]): Promise<void>;
  deleteFile(fileId: string): Promise<void>;
  /** Best first; one more than `limit` tells the caller there is a next page. */
  searchMessages(q: MessageQuery): Promise<Hit[]>;
  searchFiles(q: FileQuery): Promise<Hit[]>;
  /** Everything gone (a reindex into a fresh index). */
  clear(): Promise<void>;
  /** Makes writes so far visible to searches (OpenSearch's refresh; PostgreSQL: nothing). */
  refresh(): Promise<void>;
}

/** The length (in characters) from which a term matches anywhere in the text. */
export const SUBSTRING_MIN = 3;

/** Scripts written without spaces between words, where a short term is a word of its own. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;

/**
 * How a term or phrase must occur, the same for every engine. Three characters or more: anywhere
 * (inside a word, across words, inside a CJK sentence), which both engines answer from a trigram
 * index. Shorter terms have no trigram: in CJK text they still match anywhere ("東京" inside a
 * sentence), elsewhere they match the start of a word ("ab" finds "about", not "lab"), which is
 * what anyone typing two letters means and what an index can answer at a million messages.
 */
export function occurrence(term: string): "anywhere" | "word_start" {
  return [...term].length >= SUBSTRING_MIN || UNSPACED.test(term) ? "anywhere" : "word_start";
}
