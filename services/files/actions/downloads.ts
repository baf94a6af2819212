import type { Principal } from "@colink/auth";
import type { FileInfo, FileVersions } from "@colink/contracts";
import type { z } from "zod";
import { sqlStores } from "@colink/conversations";
import { conflict, HttpError, notFound } from "@colink/http";
import { accessFile } from "./access.ts";
import type { FilesDeps } from "./deps.ts";
import { presentFile } from "./present.ts";
import { ACTIVE_TYPES, isInlineType } from "./sniff.ts";
import { thumbKeyOf } from "./uploads.ts";

export async function getFile(d: FilesDeps, p: Principal, id: string): Promise<FileInfo> {
  const { file } = await accessFile(d, p, id);
  return presentFile(file, (await sqlStores(d.chat.sql).files.versions(id)).length);
}

export async function listVersions(
  d: FilesDeps,
  p: Principal,
  id: string,
): Promise<z.infer<typeof FileVersions>> {
  await accessFile(d, p, id);
  const versions = await sqlStores(d.chat.sql).files.versions(id);
  return {
    versions: versions.filter((v) => v.blob_version_id).map((v) => ({
      version_id: v.blob_version_id!,
      n: v.n,
      filename: v.filename,
      content_type: v.content_type,
      size_bytes: v.size_bytes,
      status: v.status,
      uploaded_at: (v.confirmed_at ?? v.created_at).toISOString(),
      uploaded_by: v.uploaded_by,
    })),
  };
}

/**
 * A short-lived URL for the bytes of a clean version (the current one, or `version`). Pending
 * and infected versions are never served. Active content (HTML, SVG, XML, scripts) is always an
 * attachment, so a browser saves it instead of rendering it on the store's origin.
 */
export async function downloadUrl(
  d: FilesDeps,
  p: Principal,
  id: string,
  version?: number,
): Promise<string> {
  const { file } = await accessFile(d, p, id);
  const v = version === undefined
    ? file.current
    : (await sqlStores(d.chat.sql).files.versions(id)).find((x) => x.n === version);
  if (!v) {
    if (version !== undefined) throw notFound("version_not_found", "No such version");
    throw file.latest.status === "infected"
      ? new HttpError(403, "file_infected", "This file failed its virus scan and is quarantined")
      : conflict("file_not_ready", "This file is not scanned yet; try again shortly");
  }
  if (v.status === "infected") {
    throw new HttpError(403, "file_infected", "This version failed its virus scan");
  }
  if (v.status !== "clean") {
    throw conflict("file_not_ready", "This version is not scanned yet; try again shortly");
  }
  const inline = isInlineType(v.content_type) && !ACTIVE_TYPES.has(v.content_type);
  const req = await d.blobs.presignGet(file.blob_key, {
    expiresInSec: d.config.FILES_DOWNLOAD_URL_TTL_SEC,
    versionId: v.blob_version_id!,
    downloadName: v.filename,
    disposition: inline ? "inline" : "attachment",
  });
  return req.url;
}

/** A short-lived URL for the current version's preview image. */
export async function thumbnailUrl(d: FilesDeps, p: Principal, id: string): Promise<string> {
  const { file } = await accessFile(d, p, id);
  const thumb = file.current?.thumb_version_id;
  if (!thumb) throw notFound("thumbnail_not_found", "This file has no preview");
  const req = await d.blobs.presignGet(thumbKeyOf(file), {
    expiresInSec: d.config.FILES_DOWNLOAD_URL_TTL_SEC,
    versionId: thumb,
  });
  return req.url;
}
