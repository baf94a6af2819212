import type { FileRecord, FileVersionRecord } from "@colink/conversations";
import type { FilesDeps } from "./deps.ts";
import { scanStatus } from "./present.ts";

export const FILES_COLLECTION = "files";

/** The seed's MongoDB `files` document. */
export interface FileDocument extends Record<string, unknown> {
  file_id: string;
  workspace_id: string;
  channel_id: string | null;
  dm_id: string | null;
  message_id: string | null;
  uploader_id: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  s3_bucket: string;
  s3_key: string;
  s3_version_id: string | null;
  versions: {
    version_id: string | null;
    n: number;
    uploaded_at: Date;
    size_bytes: number;
    content_type: string;
    status: string;
  }[];
  metadata: { width: number | null; height: number | null };
  virus_scan: { status: "clean" | "infected" | "pending"; scanned_at: Date | null };
  created_at: Date;
  updated_at: Date;
}

export function metadataDocument(
  d: Pick<FilesDeps, "bucket">,
  f: FileRecord,
  versions: readonly FileVersionRecord[],
): FileDocument {
  const shown = f.current ?? f.latest;
  return {
    file_id: f.id,
    workspace_id: f.workspace_id,
    channel_id: f.channel_id,
    dm_id: f.dm_id,
    message_id: f.message_id,
    uploader_id: f.uploader_id,
    filename: shown.filename,
    content_type: shown.content_type,
    size_bytes: shown.size_bytes,
    s3_bucket: d.bucket,
    s3_key: f.blob_key,
    s3_version_id: shown.blob_version_id,
    versions: versions.filter((v) => v.blob_version_id).map((v) => ({
      version_id: v.blob_version_id,
      n: v.n,
      uploaded_at: v.confirmed_at ?? v.created_at,
      size_bytes: v.size_bytes,
      content_type: v.content_type,
      status: v.status,
    })),
    metadata: { width: shown.width, height: shown.height },
    virus_scan: { status: scanStatus(shown.status), scanned_at: shown.scanned_at },
    created_at: f.created_at,
    updated_at: f.updated_at,
  };
}

/**
 * Writes (or rewrites) a file's metadata document. PostgreSQL holds what decides access and the
 * lifecycle; this document, rebuilt from it after each change, is the descriptive record the seed
 * keeps in MongoDB for other consumers (analytics, admin).
 */
export async function writeMetadataDocument(
  d: Pick<FilesDeps, "bucket" | "docs">,
  f: FileRecord,
  versions: readonly FileVersionRecord[],
): Promise<void> {
  const doc = metadataDocument(d, f, versions);
  const files = d.docs.collection<FileDocument>(FILES_COLLECTION);
  const { file_id: _, ...rest } = doc;
  if (await files.updateOne({ file_id: f.id }, { $set: rest }) === 0) {
    await files.insertOne(doc).catch(async (e) => {
      // Another writer inserted it first: ours is at least as new, so set it over theirs.
      if ((e as Error).name !== "DuplicateKeyError") throw e;
      await files.updateOne({ file_id: f.id }, { $set: rest });
    });
  }
}
