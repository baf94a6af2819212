export interface BlobObject {
  bytes: Uint8Array;
  contentType: string;
  versionId: string;
}

export interface BlobVersion {
  versionId: string;
  size: number;
  lastModified: Date;
  isLatest: boolean;
}

/** What the store holds for one version, without its bytes. */
export interface BlobStat {
  versionId: string;
  size: number;
  contentType: string;
  lastModified: Date;
}

/** A request the browser makes directly to the store: no CoLink process streams the bytes. */
export interface PresignedRequest {
  url: string;
  method: "PUT" | "GET";
  /** Headers the client must send as given (they are part of the signature). */
  headers: Record<string, string>;
  expiresAt: Date;
}

/**
 * Blob-store port: S3 (or any S3-compatible server) with versioning, or the local filesystem
 * with HMAC-signed, expiring URLs served by CoLink itself. Keys are opaque strings made of
 * [A-Za-z0-9/._-]. Every put creates a new version; get without a version reads the latest.
 */
export interface BlobStore {
  readonly kind: "s3" | "fs";
  put(
    key: string,
    bytes: Uint8Array,
    opts: { contentType: string },
  ): Promise<{ versionId: string }>;
  get(key: string, opts?: { versionId?: string }): Promise<BlobObject | null>;
  /** One version's size and type (the latest without `versionId`); null when absent. */
  stat(key: string, opts?: { versionId?: string }): Promise<BlobStat | null>;
  /**
   * Streams one version's bytes, or the inclusive byte range `[start, end]` of it, without
   * holding the object in memory; null when absent.
   */
  open(
    key: string,
    opts?: { versionId?: string; range?: { start: number; end: number } },
  ): Promise<ReadableStream<Uint8Array> | null>;
  /** Newest first. */
  listVersions(key: string): Promise<BlobVersion[]>;
  /** Removes every version of the key. */
  purge(key: string): Promise<void>;
  /** Removes one version; the others stay. Absent versions are not an error. */
  deleteVersion(key: string, versionId: string): Promise<void>;
  /** A PUT that only accepts exactly `contentLength` bytes of `contentType`. */
  presignPut(
    key: string,
    opts: { contentType: string; contentLength: number; expiresInSec: number },
  ): Promise<PresignedRequest>;
  /**
   * A GET of one version. With `downloadName` the response names the file in its
   * Content-Disposition: `attachment` (the browser saves it) unless `inline` is asked for.
   */
  presignGet(
    key: string,
    opts: {
      expiresInSec: number;
      versionId?: string;
      downloadName?: string;
      disposition?: Disposition;
    },
  ): Promise<PresignedRequest>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function assertBlobKey(key: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9/._-]{0,511}$/.test(key) || key.includes("..")) {
    throw new Error(`invalid blob key: ${JSON.stringify(key)}`);
  }
}

export type Disposition = "attachment" | "inline";

/** RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name. */
export function contentDisposition(name: string, type: Disposition = "attachment"): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
