import { z } from "@hono/zod-openapi";

/** REST shapes of uploads, file metadata, versions and attachments (shared/API.md, files). */

const uuid = z.uuid();
const datetime = z.iso.datetime({ offset: true });

/** A file's lifecycle: its newest upload and scan, or clean once a version passed the scan. */
export const FILE_STATUSES = [
  "awaiting_upload",
  "pending",
  "clean",
  "infected",
  "rejected",
] as const;
export const FileStatus = z.enum(FILE_STATUSES);

export const VirusScan = z.object({
  status: z.enum(["pending", "clean", "infected"]),
  scanned_at: datetime.nullable(),
}).openapi("VirusScan");

export const ImageMetadata = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
}).openapi("ImageMetadata");

/** A file as a message carries it: enough to show and fetch it. */
export const AttachedFile = z.object({
  id: uuid,
  filename: z.string(),
  content_type: z.string(),
  size_bytes: z.number().int().nonnegative(),
  metadata: ImageMetadata.nullable(),
  download_url: z.string().openapi({ description: "GET it for a 302 to the bytes" }),
  thumbnail_url: z.string().nullable().openapi({ description: "A preview (images only)" }),
}).openapi("AttachedFile");
export type AttachedFile = z.infer<typeof AttachedFile>;

export const FileVersion = z.object({
  version_id: z.string(),
  n: z.number().int().positive(),
  filename: z.string(),
  content_type: z.string(),
  size_bytes: z.number().int().nonnegative(),
  status: FileStatus,
  uploaded_at: datetime,
  uploaded_by: uuid,
}).openapi("FileVersion");

export const FileVersions = z.object({
  versions: z.array(FileVersion).openapi({ description: "Newest first" }),
}).openapi("FileVersions");

/** The metadata document of a file (the seed's MongoDB `files` document, as REST shows it). */
export const FileInfo = z.object({
  id: uuid,
  file_id: uuid,
  workspace_id: uuid,
  channel_id: uuid.nullable(),
  dm_id: uuid.nullable(),
  message_id: uuid.nullable(),
  uploader_id: uuid,
  filename: z.string(),
  content_type: z.string(),
  size_bytes: z.number().int().nonnegative(),
  status: FileStatus,
  virus_scan: VirusScan,
  metadata: ImageMetadata.nullable(),
  version: z.number().int().positive().openapi({ description: "The version downloads serve" }),
  versions: z.number().int().positive().openapi({ description: "How many versions exist" }),
  download_url: z.string().nullable().openapi({ description: "Null until the file is clean" }),
  thumbnail_url: z.string().nullable(),
  created_at: datetime,
  updated_at: datetime,
}).openapi("FileInfo");
export type FileInfo = z.infer<typeof FileInfo>;

/** Names we store: no path, no control characters, at most 255 characters. */
const filename = z.string().min(1).max(255).refine(
  // deno-lint-ignore no-control-regex
  (v) => !/[\u0000-\u001f\u007f/\\]/.test(v) && v.trim() === v && v !== "." && v !== "..",
  "must be a plain file name: no slashes, control characters or surrounding spaces",
);
const mediaType = z.string().min(3).max(127).regex(
  /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/,
  "must be a media type such as image/png, without parameters",
);

/** Where an upload goes: exactly one conversation. */
export const UploadUrlRequest = z.object({
  filename,
  content_type: mediaType,
  size_bytes: z.number().int().nonnegative(),
  channel_id: uuid.optional(),
  dm_id: uuid.optional(),
}).strict().refine((v) => (v.channel_id === undefined) !== (v.dm_id === undefined), {
  message: "give exactly one of channel_id and dm_id",
  path: ["channel_id"],
}).openapi("UploadUrlRequest");
export type UploadUrlRequest = z.infer<typeof UploadUrlRequest>;

/** A new version of an existing file: the same conversation, maybe another name and type. */
export const NewVersionRequest = z.object({
  filename: filename.optional(),
  content_type: mediaType,
  size_bytes: z.number().int().nonnegative(),
}).strict().openapi("NewVersionRequest");
export type NewVersionRequest = z.infer<typeof NewVersionRequest>;

export const UploadUrl = z.object({
  file_id: uuid,
  version: z.number().int().positive(),
  upload_url: z.string(),
  method: z.enum(["PUT"]),
  headers: z.record(z.string(), z.string()).openapi({
    description: "Send these exactly as given: they are part of the signature",
  }),
  expires_at: datetime,
}).openapi("UploadUrl");
export type UploadUrl = z.infer<typeof UploadUrl>;
