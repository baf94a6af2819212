import type { FileInfo } from "@colink/contracts";
import type { FileRecord } from "@colink/conversations";

/** A version's lifecycle as the seed's virus_scan status (anything not scanned yet is pending). */
export const scanStatus = (s: FileRecord["latest"]["status"]): "clean" | "infected" | "pending" =>
  s === "clean" ? "clean" : s === "infected" ? "infected" : "pending";

/**
 * A file as REST shows it: its current (clean) version, or, until one is clean, its newest upload.
 * A newer version being uploaded or scanned, or refused, changes nothing here (see versions).
 */
export function presentFile(f: FileRecord, versions: number): FileInfo {
  const shown = f.current ?? f.latest;
  return {
    id: f.id,
    file_id: f.id,
    workspace_id: f.workspace_id,
    channel_id: f.channel_id,
    dm_id: f.dm_id,
    message_id: f.message_id,
    uploader_id: f.uploader_id,
    filename: shown.filename,
    content_type: shown.content_type,
    size_bytes: shown.size_bytes,
    status: shown.status,
    virus_scan: {
      status: scanStatus(shown.status),
      scanned_at: shown.scanned_at?.toISOString() ?? null,
    },
    metadata: shown.width && shown.height ? { width: shown.width, height: shown.height } : null,
    version: shown.n,
    versions,
    download_url: f.current ? `/api/v1/files/${f.id}/download` : null,
    thumbnail_url: f.current?.thumb_version_id ? `/api/v1/files/${f.id}/thumbnail` : null,
    created_at: f.created_at.toISOString(),
    updated_at: f.updated_at.toISOString(),
  };
}
