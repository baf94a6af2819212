import { z } from "zod";
import { csv } from "@colink/config";

/** Types accepted by default: documents, images, media, archives and text. */
export const DEFAULT_ALLOWED_TYPES = [
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/svg+xml",
  "application/pdf",
  "text/plain",
  "text/markdown",
  "text/csv",
  "text/html",
  "application/json",
  "application/xml",
  "application/zip",
  "application/gzip",
  "application/x-tar",
  "application/octet-stream",
  "application/msword",
  "application/vnd.ms-excel",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  "application/vnd.oasis.opendocument.text",
  "application/vnd.oasis.opendocument.spreadsheet",
  "audio/mpeg",
  "audio/ogg",
  "audio/wav",
  "video/mp4",
  "video/webm",
  "video/quicktime",
];

const seconds = z.coerce.number().int().positive();

/** The files service's settings. */
export const FilesConfig = z.object({
  /** Largest upload, in bytes (default 100 MB). */
  FILES_MAX_BYTES: z.coerce.number().int().positive().default(100 * 1024 * 1024),
  /** Media types that may be uploaded (comma-separated). */
  FILES_ALLOWED_TYPES: csv.default(DEFAULT_ALLOWED_TYPES),
  /** How long an upload URL may be used. */
  FILES_UPLOAD_URL_TTL_SEC: seconds.default(300),
  /** How long a download URL may be used. */
  FILES_DOWNLOAD_URL_TTL_SEC: seconds.default(60),
  /** Uploads never confirmed are deleted this long after their URL expired. */
  FILES_UNCONFIRMED_RETENTION_SEC: seconds.default(3600),
  /** Bytes of files whose message was deleted are removed after this long. */
  FILES_DELETED_RETENTION_SEC: seconds.default(7 * 24 * 3600),
  /** A scan that gave no answer (scanner down) is tried again after this long. */
  FILES_RESCAN_AFTER_SEC: seconds.default(30),
  /** How often the retention and rescan pass runs. */
  FILES_HOUSEKEEPING_INTERVAL_SEC: seconds.default(60),
});
export type FilesConfig = z.infer<typeof FilesConfig>;
