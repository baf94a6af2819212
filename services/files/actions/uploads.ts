import type { Principal } from "@colink/auth";
import type { NewVersionRequest, UploadUrl, UploadUrlRequest } from "@colink/contracts";
import {
  accessConversation,
  type ConversationRef,
  type FileRecord,
  type FileVersionRecord,
  inTransaction,
  requireWritable,
} from "@colink/conversations";
import { badRequest, conflict, HttpError } from "@colink/http";
import type { FilesDeps } from "./deps.ts";
import { accessFile } from "./access.ts";

/** Where a file's bytes live in the object store: one key, one object-store version per upload. */
export const blobKeyOf = (workspaceId: string, fileId: string): string =>
  `files/${workspaceId}/${fileId}`;
export const thumbKeyOf = (f: Pick<FileRecord, "blob_key">): string => `${f.blob_key}.thumb`;

function checkDeclared(d: FilesDeps, contentType: string, size: number): void {
  if (size > d.config.FILES_MAX_BYTES) {
    throw new HttpError(
      413,
      "file_too_large",
      `A file holds at most ${d.config.FILES_MAX_BYTES.toLocaleString("en")} bytes`,
    );
  }
  if (size === 0) throw badRequest("file_empty", "A file needs some content");
  if (!d.config.FILES_ALLOWED_TYPES.includes(contentType)) {
    throw badRequest("file_type_not_allowed", `Files of type ${contentType} cannot be uploaded`, [
      { path: "content_type", message: "not an allowed type" },
    ]);
  }
}

async function presign(d: FilesDeps, f: FileRecord, v: FileVersionRecord): Promise<UploadUrl> {
  const req = await d.blobs.presignPut(f.blob_key, {
    contentType: v.content_type,
    contentLength: v.size_bytes,
    expiresInSec: d.config.FILES_UPLOAD_URL_TTL_SEC,
  });
  return {
    file_id: f.id,
    version: v.n,
    upload_url: req.url,
    method: "PUT",
    headers: req.headers,
    expires_at: v.upload_expires_at.toISOString(),
  };
}

/**
 * Starts an upload into a conversation the caller may post in: checks the declared size and
 * type, records the file as awaiting its bytes, and returns a URL that accepts exactly those
 * bytes (that length, that type, that key) for a few minutes.
 */
export async function requestUpload(
  d: FilesDeps,
  p: Principal,
  input: UploadUrlRequest,
): Promise<UploadUrl> {
  const ref: ConversationRef = input.channel_id
    ? { kind: "channel", id: input.channel_id }
    : { kind: "dm", id: input.dm_id! };
  const a = await accessConversation(d.chat.sql, d.chat.directory, p, ref);
  requireWritable(a);
  checkDeclared(d, input.content_type, input.size_bytes);
  const now = d.chat.now();
  const id = crypto.randomUUID();
  const f = await inTransaction(d.chat, (u) =>
    u.s.files.create(
      {
        id,
        workspace_id: a.conv.workspace_id,
        conversation: ref,
        uploader_id: p.userId,
        blob_key: blobKeyOf(a.conv.workspace_id, id),
      },
      {
        filename: input.filename,
        content_type: input.content_type,
        size_bytes: input.size_bytes,
        uploaded_by: p.userId,
        upload_expires_at: new Date(now.getTime() + d.config.FILES_UPLOAD_URL_TTL_SEC * 1000),
      },
      now,
    ));
  return await presign(d, f, f.latest);
}

/**
 * Starts the upload of a new version of a file (same file id, same conversation): its uploader
 * may replace it while they can post there. Older versions stay, listed and downloadable.
 */
export async function requestNewVersion(
  d: FilesDeps,
  p: Principal,
  fileId: string,
  input: NewVersionRequest,
): Promise<UploadUrl> {
  const { file, access } = await accessFile(d, p, fileId);
  if (file.uploader_id !== p.userId) {
    throw new HttpError(403, "not_file_owner", "Only its uploader can add a version of a file");
  }
  requireWritable(access);
  checkDeclared(d, input.content_type, input.size_bytes);
  const now = d.chat.now();
  const { f, v } = await inTransaction(d.chat, async (u) => {
    const f = (await u.s.files.getForUpdate(fileId))!;
    const unfinished = f.latest.status === "pending" ||
      (f.latest.status === "awaiting_upload" && f.latest.upload_expires_at > now);
    if (unfinished) {
      throw conflict("upload_in_progress", "The file's latest upload is not finished yet");
    }
    const v = await u.s.files.addVersion(fileId, {
      filename: input.filename ?? f.latest.filename,
      content_type: input.content_type,
      size_bytes: input.size_bytes,
      uploaded_by: p.userId,
      upload_expires_at: new Date(now.getTime() + d.config.FILES_UPLOAD_URL_TTL_SEC * 1000),
    }, now);
    return { f, v };
  });
  return await presign(d, f, v);
}
