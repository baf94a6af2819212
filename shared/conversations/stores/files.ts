import type { SqlExecutor } from "@colink/platform";
import type { ConversationRef } from "./types.ts";

/** Where a version of a file stands: uploaded and scanned, or not (yet). */
export type FileVersionStatus = "awaiting_upload" | "pending" | "clean" | "infected" | "rejected";

export interface FileVersionRecord {
  file_id: string;
  n: number;
  filename: string;
  content_type: string;
  size_bytes: number;
  status: FileVersionStatus;
  blob_version_id: string | null;
  sha256: string | null;
  scan_signature: string | null;
  scanned_at: Date | null;
  width: number | null;
  height: number | null;
  thumb_version_id: string | null;
  uploaded_by: string;
  created_at: Date;
  upload_expires_at: Date;
  confirmed_at: Date | null;
}

export interface FileRecord {
  id: string;
  workspace_id: string;
  channel_id: string | null;
  dm_id: string | null;
  uploader_id: string;
  blob_key: string;
  /** The version downloads serve (the newest clean one); null until one is clean. */
  current_version: number | null;
  message_id: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  /** The newest version, whatever its state (an upload in progress, a scan pending, ...). */
  latest: FileVersionRecord;
  /** The version `current_version` names, when there is one. */
  current: FileVersionRecord | null;
}

export interface NewFile {
  id: string;
  workspace_id: string;
  conversation: ConversationRef;
  uploader_id: string;
  blob_key: string;
}

export interface NewFileVersion {
  filename: string;
  content_type: string;
  size_bytes: number;
  uploaded_by: string;
  upload_expires_at: Date;
}

export type VersionPatch = Partial<
  Pick<
    FileVersionRecord,
    | "status"
    | "blob_version_id"
    | "sha256"
    | "scan_signature"
    | "scanned_at"
    | "width"
    | "height"
    | "thumb_version_id"
    | "confirmed_at"
  >
>;

/** Why some of a send's files cannot be attached, per file id. */
export type AttachRefusal = "not_found" | "not_ready" | "attached";

export interface FileStore {
  /** A new file with its first version awaiting upload. */
  create(f: NewFile, v: NewFileVersion, at: Date): Promise<FileRecord>;
  get(id: string): Promise<FileRecord | undefined>;
  /** Same as get, and keeps other writers off the file until the transaction ends. */
  getForUpdate(id: string): Promise<FileRecord | undefined>;
  /** Every version, newest first. */
  versions(id: string): Promise<FileVersionRecord[]>;
  /** The next version of a file, awaiting upload (call under getForUpdate). */
  addVersion(id: string, v: NewFileVersion, at: Date): Promise<FileVersionRecord>;
  updateVersion(id: string, n: number, patch: VersionPatch): Promise<FileVersionRecord>;
  /** Downloads now serve version `n` (scanned clean). */
  promote(id: string, n: number, at: Date): Promise<void>;
  /**
   * Locks the files a send names and tells, per file, why it cannot be attached by `uploader`
   * to `conv`: not theirs or not in that conversation (or deleted), not clean yet, or already on
   * a message. An empty map: all of them can be attached (they stay locked until commit).
   */
  lockForAttach(
    ids: readonly string[],
    uploader: string,
    conv: ConversationRef,
  ): Promise<Map<string, AttachRefusal>>;
  /** Attaches locked, attachable files to a message just written. */
  attach(messageId: string, ids: readonly string[], at: Date): Promise<void>;
  /** The files of each message, in the order they were attached by the send. */
  forMessages(messageIds: readonly string[]): Promise<Map<string, FileRecord[]>>;
  /** A message was deleted: its files are never downloadable again. */
  deleteForMessage(messageId: string, at: Date): Promise<void>;
  /** Files whose first upload never came and whose URL expired before `before`. */
  abandoned(before: Date, limit: number): Promise<FileRecord[]>;
  /** Later versions whose upload never came (their files stay). */
  abandonedVersions(before: Date, limit: number): Promise<FileVersionRecord[]>;
  /** Versions confirmed at least `olderThan` ago whose scan has not given an answer. */
  pendingScans(olderThan: Date, limit: number): Promise<FileVersionRecord[]>;
  /** Deleted files whose bytes may now go (deleted before `before`). */
  deletedBefore(before: Date, limit: number): Promise<FileRecord[]>;
  remove(id: string): Promise<void>;
  removeVersion(id: string, n: number): Promise<void>;
}

const VERSION_COLUMNS = [
  "file_id",
  "n",
  "filename",
  "content_type",
  "size_bytes",
  "status",
  "blob_version_id",
  "sha256",
  "scan_signature",
  "scanned_at",
  "width",
  "height",
  "thumb_version_id",
  "uploaded_by",
  "created_at",
  "upload_expires_at",
  "confirmed_at",
] as const;
// bigint comes back from postgres.js as a string; sizes fit a double exactly.
const VERSION = VERSION_COLUMNS.map((c) =>
  c === "size_bytes" ? "size_bytes::float8 as size_bytes" : c
)
  .join(", ");
const versionJson = (alias: string) =>
  VERSION_COLUMNS.map((c) => `'${c}', ${alias}.${c}${c === "size_bytes" ? "::float8" : ""}`)
    .join(", ");

/** One file with its newest and its current version, as JSON built by the database. */
const FILE_SELECT = `
  select f.id, f.workspace_id, f.channel_id, f.dm_id, f.uploader_id, f.blob_key, f.current_version,
         f.message_id, f.created_at, f.updated_at, f.deleted_at,
         (select json_build_object(${versionJson("v")}) from file_versions v
           where v.file_id = f.id order by v.n desc limit 1) as latest,
         (select json_build_object(${versionJson("v")}) from file_versions v
           where v.file_id = f.id and v.n = f.current_version) as current
    from files f`;

type Json = Record<string, unknown>;
const DATES = ["scanned_at", "created_at", "upload_expires_at", "confirmed_at"] as const;

function version(j: Json): FileVersionRecord {
  const v = { ...j } as Json;
  for (const k of DATES) v[k] = v[k] == null ? null : new Date(v[k] as string);
  return v as unknown as FileVersionRecord;
}

function file(r: Json): FileRecord {
  return {
    ...(r as unknown as FileRecord),
    latest: version(r.latest as Json),
    current: r.current ? version(r.current as Json) : null,
  };
}

const convColumn = (c: ConversationRef) => (c.kind === "channel" ? "channel_id" : "dm_id");

export function sqlFileStore(db: SqlExecutor): FileStore {
  const one = async (where: string, params: unknown[], lock = "") => {
    const [r] = await db.query<Json>(`${FILE_SELECT} where ${where} ${lock}`, params);
    return r ? file(r) : undefined;
  };
  const insertVersion = async (id: string, n: number, v: NewFileVersion, at: Date) => {
    const [row] = await db.query<Json>(
      `insert into file_versions (file_id, n, filename, content_type, size_bytes, status,
                                  uploaded_by, created_at, upload_expires_at)
       values ($1, $2, $3, $4, $5, 'awaiting_upload', $6, $7, $8) returning ${VERSION}`,
      [id, n, v.filename, v.content_type, v.size_bytes, v.uploaded_by, at, v.upload_expires_at],
    );
    return version(row!);
  };
  return {
    async create(f, v, at) {
      await db.query(
        `insert into files (id, workspace_id, ${convColumn(f.conversation)}, uploader_id, blob_key,
                            created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $6)`,
        [f.id, f.workspace_id, f.conversation.id, f.uploader_id, f.blob_key, at],
      );
      await insertVersion(f.id, 1, v, at);
      return (await one("f.id = $1", [f.id]))!;
    },
    get: (id) => one("f.id = $1", [id]),
    // The lock is on the files row; the version subqueries read what this transaction sees.
    getForUpdate: (id) => one("f.id = $1", [id], "for update of f"),
    async versions(id) {
      const rows = await db.query<Json>(
        `select ${VERSION} from file_versions where file_id = $1 order by n desc`,
        [id],
      );
      return rows.map(version);
    },
    async addVersion(id, v, at) {
      const [row] = await db.query<{ n: number }>(
        "select coalesce(max(n), 0) + 1 as n from file_versions where file_id = $1",
        [id],
      );
      return await insertVersion(id, row!.n, v, at);
    },
    async updateVersion(id, n, patch) {
      const keys = Object.keys(patch) as (keyof VersionPatch)[];
      const sets = keys.map((k, i) => `${k} = $${i + 3}`).join(", ");
      const [row] = await db.query<Json>(
        `update file_versions set ${sets} where file_id = $1 and n = $2 returning ${VERSION}`,
        [id, n, ...keys.map((k) => patch[k])],
      );
      if (!row) throw new Error(`no version ${n} of file ${id}`);
      return version(row);
    },
    async promote(id, n, at) {
      await db.query(
        `update files set current_version = greatest(coalesce(current_version, 0), $2),
                          updated_at = $3 where id = $1`,
        [id, n, at],
      );
    },
    async lockForAttach(ids, uploader, conv) {
      const rows = await db.query<
        { id: string; ok_owner: boolean; current_version: number | null; message_id: string | null }
      >(
        `select id, (uploader_id = $2 and ${
          convColumn(conv)
        } = $3 and deleted_at is null) as ok_owner,
                current_version, message_id
           from files where id = any($1::uuid[]) order by id for update`,
        [ids, uploader, conv.id],
      );
      const found = new Map(rows.map((r) => [r.id, r]));
      const out = new Map<string, AttachRefusal>();
      for (const id of ids) {
        const r = found.get(id);
        if (!r || !r.ok_owner) out.set(id, "not_found");
        else if (r.message_id) out.set(id, "attached");
        else if (r.current_version === null) out.set(id, "not_ready");
      }
      return out;
    },
    async attach(messageId, ids, at) {
      if (!ids.length) return;
      await db.query(
        `update files f set message_id = $1, message_pos = a.pos, updated_at = $3
           from unnest($2::uuid[]) with ordinality as a(id, pos)
          where f.id = a.id`,
        [messageId, ids, at],
      );
    },
    async forMessages(messageIds) {
      const out = new Map<string, FileRecord[]>();
      if (!messageIds.length) return out;
      const rows = await db.query<Json>(
        `${FILE_SELECT} where f.message_id = any($1::uuid[]) and f.deleted_at is null
          order by f.message_id, f.message_pos`,
        [messageIds],
      );
      for (const r of rows) {
        const f = file(r);
        const list = out.get(f.message_id!) ?? [];
        list.push(f);
        out.set(f.message_id!, list);
      }
      return out;
    },
    async deleteForMessage(messageId, at) {
      await db.query(
        `update files set deleted_at = $2, updated_at = $2
          where message_id = $1 and deleted_at is null`,
        [messageId, at],
      );
    },
    async abandoned(before, limit) {
      const rows = await db.query<Json>(
        `${FILE_SELECT} where f.current_version is null and f.message_id is null and not exists (
            select 1 from file_versions v where v.file_id = f.id
               and (v.status <> 'awaiting_upload' or v.upload_expires_at >= $1))
          order by f.created_at limit $2`,
        [before, limit],
      );
      return rows.map(file);
    },
    async abandonedVersions(before, limit) {
      const rows = await db.query<Json>(
        `select ${VERSION} from file_versions
          where status = 'awaiting_upload' and upload_expires_at < $1 and n > 1
          order by upload_expires_at limit $2`,
        [before, limit],
      );
      return rows.map(version);
    },
    async pendingScans(olderThan, limit) {
      const rows = await db.query<Json>(
        `select ${VERSION} from file_versions where status = 'pending' and confirmed_at < $1
          order by confirmed_at limit $2`,
        [olderThan, limit],
      );
      return rows.map(version);
    },
    async deletedBefore(before, limit) {
      const rows = await db.query<Json>(
        `${FILE_SELECT} where f.deleted_at < $1 order by f.deleted_at limit $2`,
        [before, limit],
      );
      return rows.map(file);
    },
    async remove(id) {
      await db.query("delete from files where id = $1", [id]);
    },
    async removeVersion(id, n) {
      await db.query("delete from file_versions where file_id = $1 and n = $2", [id, n]);
    },
  };
}
