import type { ChatDeps } from "@colink/conversations";
import type { Logger } from "@colink/http";
import type { BlobStore, DocumentStore, VirusScanner } from "@colink/platform";
import type { FilesConfig } from "../config.ts";

/** What the files actions run on. */
export interface FilesDeps {
  chat: ChatDeps;
  blobs: BlobStore;
  docs: DocumentStore;
  scanner: VirusScanner;
  config: FilesConfig;
  /** The bucket name the metadata document records (S3), or "local" (embedded). */
  bucket: string;
  logger: Logger;
}
