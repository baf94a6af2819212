import { createHash } from "node:crypto";
import type { Principal } from "@colink/auth";
import { type FileInfo, makeEvent } from "@colink/contracts";
import {
  type FileRecord,
  type FileVersionRecord,
  inTransaction,
  sqlStores,
} from "@colink/conversations";
import { badRequest, conflict, HttpError } from "@colink/http";
import { accessFile } from "./access.ts";
import type { FilesDeps } from "./deps.ts";
import { canThumbnail, dimensionsOf, thumbnail } from "./image.ts";
import { writeMetadataDocument } from "./metadata_document.ts";
import { presentFile } from "./present.ts";
import { SNIFF_BYTES, sniffContent } from "./sniff.ts";
import { thumbKeyOf } from "./uploads.ts";

/** Leading bytes read for the content checks and the image header (JPEG's can sit after EXIF). */
const HEAD_BYTES = 64 * 1024;

async function readHead(d: FilesDeps, f: FileRecord, versionId: string, size: number) {
  const end = Math.min(size, HEAD_BYTES) - 1;
  const body = await d.blobs.open(f.blob_key, { versionId, range: { start: 0, end } });
  if (!body) throw new Error(`object ${f.blob_key}@${versionId} vanished`);
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/** Refuses an upload for good: its bytes go, the version is marked rejected. */
async function reject(
  d: FilesDeps,
  f: FileRecord,
  v: FileVersionRecord,
  versionId: string,
  err: HttpError,
): Promise<never> {
  await d.blobs.deleteVersion(f.blob_key, versionId);
  await inTransaction(d.chat, async (u) => {
    await u.s.files.updateVersion(f.id, v.n, {
      status: "rejected",
      blob_version_id: versionId,
      scan_signature: `${err.code}: ${err.message}`,
      confirmed_at: d.chat.now(),
    });
  });
  throw err;
}

const rejection = (v: FileVersionRecord) => {
  const [code, ...rest] = (v.scan_signature ?? "upload_rejected: refused").split(": ");
  return badRequest(code!, rest.join(": "));
};

/**
 * After the client uploaded to its URL: checks that the object is there with the declared size
 * and type, that its bytes are what the type says (magic numbers; no HTML or SVG posing as an
 * image), reads image dimensions, scans it (streamed to ClamAV), makes a preview, and once clean
 * publishes `file.uploaded` and serves it. A scanner that cannot answer leaves the file pending
 * (not downloadable); housekeeping scans it again. Confirming again answers with the state so
 * far and does no work twice.
 */
export async function confirmUpload(d: FilesDeps, p: Principal, fileId: string): Promise<FileInfo> {
  const { file } = await accessFile(d, p, fileId);
  if (file.uploader_id !== p.userId) {
    throw new HttpError(403, "not_file_owner", "Only its uploader can confirm an upload");
  }
  const v = file.latest;
  if (v.status === "rejected") throw rejection(v);
  if (v.status !== "awaiting_upload") {
    if (v.status === "pending") await scanVersion(d, file.id, v.n);
    return await finish(d, file.id);
  }

  const stat = await d.blobs.stat(file.blob_key);
  const known = new Set(
    (await sqlStores(d.chat.sql).files.versions(file.id)).map((x) => x.blob_version_id),
  );
  if (!stat || known.has(stat.versionId)) {
    throw conflict("upload_missing", "Nothing has been uploaded to this file's URL yet");
  }
  if (stat.size !== v.size_bytes) {
    await reject(
      d,
      file,
      v,
      stat.versionId,
      badRequest("upload_size_mismatch", `Uploaded ${stat.size} bytes, declared ${v.size_bytes}`),
    );
  }
  if (stat.contentType !== v.content_type) {
    await reject(
      d,
      file,
      v,
      stat.versionId,
      badRequest("upload_type_mismatch", `Uploaded as ${stat.contentType}, not ${v.content_type}`),
    );
  }
  const head = await readHead(d, file, stat.versionId, stat.size);
  const verdict = await sniffContent(v.content_type, head.subarray(0, SNIFF_BYTES));
  if (!verdict.ok) {
    await reject(
      d,
      file,
      v,
      stat.versionId,
      badRequest("file_content_mismatch", `Refused: ${verdict.reason}`),
    );
  }
  const dims = dimensionsOf(v.content_type, head);

  // Pending from here on: only one confirm moves the version on, a concurrent one waits here.
  const claimed = await inTransaction(d.chat, async (u) => {
    const f = await u.s.files.getForUpdate(file.id);
    if (!f || f.latest.n !== v.n || f.latest.status !== "awaiting_upload") return false;
    await u.s.files.updateVersion(file.id, v.n, {
      status: "pending",
      blob_version_id: stat.versionId,
      confirmed_at: d.chat.now(),
      width: dims?.width ?? null,
      height: dims?.height ?? null,
    });
    return true;
  });
  if (claimed) await scanVersion(d, file.id, v.n);
  return await finish(d, file.id);
}

/** The metadata document follows every confirm (so a retry repairs one that failed to write). */
async function finish(d: FilesDeps, fileId: string): Promise<FileInfo> {
  const s = sqlStores(d.chat.sql).files;
  const [f, versions] = await Promise.all([s.get(fileId), s.versions(fileId)]);
  await writeMetadataDocument(d, f!, versions);
  return presentFile(f!, versions.length);
}

/**
 * Scans a pending version, streaming it from the store to the scanner (never whole in memory),
 * hashes it on the way, and records the verdict. Clean: a preview is made for images, downloads
 * switch to it and `file.uploaded` is published. Infected: quarantined for good. No answer: it
 * stays pending. Returns the version's status afterwards.
 */
export async function scanVersion(
  d: FilesDeps,
  fileId: string,
  n: number,
): Promise<FileVersionRecord["status"]> {
  const store = sqlStores(d.chat.sql).files;
  const f = await store.get(fileId);
  const v = (await store.versions(fileId)).find((x) => x.n === n);
  if (!f || !v || v.status !== "pending" || !v.blob_version_id) return v?.status ?? "rejected";
  const body = await d.blobs.open(f.blob_key, { versionId: v.blob_version_id });
  if (!body) throw new Error(`object ${f.blob_key}@${v.blob_version_id} vanished`);
  const hash = createHash("sha256");
  const hashed = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        hash.update(chunk);
        c.enqueue(chunk);
      },
    }),
  );
  let result;
  try {
    result = await d.scanner.scan(hashed);
  } catch (e) {
    await body.cancel().catch(() => {});
    d.logger.warn("file scan failed; the file stays pending", {
      file_id: fileId,
      version: n,
      error: (e as Error).message,
    });
    return "pending";
  }
  const clean = result.status === "clean";
  let thumb: string | null = null;
  if (
    clean && canThumbnail(
      v.content_type,
      v.size_bytes,
      v.width && v.height ? { width: v.width, height: v.height } : null,
    )
  ) {
    const original = await d.blobs.get(f.blob_key, { versionId: v.blob_version_id });
    const jpeg = original && thumbnail(original.bytes);
    if (jpeg) {
      thumb = (await d.blobs.put(thumbKeyOf(f), jpeg, { contentType: "image/jpeg" })).versionId;
    }
  }
  const now = d.chat.now();
  return await inTransaction(d.chat, async (u) => {
    const locked = await u.s.files.getForUpdate(fileId);
    const current = (await u.s.files.versions(fileId)).find((x) => x.n === n);
    if (!locked || current?.status !== "pending") return current?.status ?? "rejected";
    await u.s.files.updateVersion(fileId, n, {
      status: clean ? "clean" : "infected",
      sha256: hash.digest("hex"),
      scanned_at: now,
      scan_signature: result.status === "infected" ? result.signature : null,
      thumb_version_id: thumb,
    });
    if (!clean) {
      d.logger.warn("infected upload quarantined", {
        file_id: fileId,
        version: n,
        signature: (result as { signature: string }).signature,
      });
      return "infected";
    }
    await u.s.files.promote(fileId, n, now);
    u.emit(makeEvent(
      "file.uploaded",
      fileId,
      {
        file_id: fileId,
        uploader_id: locked.uploader_id,
        channel_id: locked.channel_id ?? locked.dm_id!,
        filename: v.filename,
        size_bytes: v.size_bytes,
        timestamp: now.toISOString(),
        conversation_type: locked.channel_id ? "channel" : "dm",
        workspace_id: locked.workspace_id,
        content_type: v.content_type,
        version: n,
      },
      now,
      locked.uploader_id,
    ));
    return "clean";
  });
}
