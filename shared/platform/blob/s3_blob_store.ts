import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { assertBlobKey, type BlobStore, contentDisposition } from "./port.ts";

export interface S3BlobStoreOptions {
  endpoint?: string;
  /** Endpoint as browsers reach it, when it differs from the one services use. */
  publicEndpoint?: string;
  region: string;
  bucket: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle?: boolean;
}

const isMissing = (e: unknown) => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === "NoSuchKey" || err?.name === "NoSuchVersion" || err?.name === "NotFound" ||
    err?.$metadata?.httpStatusCode === 404;
};

/** The real blob store: S3 or an S3-compatible server, bucket versioning on. */
export async function createS3BlobStore(o: S3BlobStoreOptions): Promise<BlobStore> {
  const make = (endpoint?: string) =>
    new S3Client({
      endpoint,
      region: o.region,
      forcePathStyle: o.forcePathStyle ?? true,
      credentials: o.accessKeyId && o.secretAccessKey
        ? { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey }
        : undefined,
    });
  const s3 = make(o.endpoint);
  const signer = o.publicEndpoint ? make(o.publicEndpoint) : s3;
  const Bucket = o.bucket;

  try {
    await s3.send(new HeadBucketCommand({ Bucket }));
  } catch (e) {
    if (!isMissing(e)) throw e;
    await s3.send(new CreateBucketCommand({ Bucket }));
  }
  await s3.send(
    new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }),
  );

  const listVersions = async (key: string) => {
    const out = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: key }));
    return (out.Versions ?? [])
      .filter((v) => v.Key === key && v.VersionId)
      .map((v) => ({
        versionId: v.VersionId!,
        size: v.Size ?? 0,
        lastModified: v.LastModified ?? new Date(0),
        isLatest: !!v.IsLatest,
      }))
      .sort((
        a,
        b,
      ) => (a.isLatest
        ? -1
        : b.isLatest
        ? 1
        : b.lastModified.getTime() - a.lastModified.getTime())
      );
  };

  return {
    kind: "s3",
    async put(key, bytes, { contentType }) {
      assertBlobKey(key);
      const out = await s3.send(
        new PutObjectCommand({ Bucket, Key: key, Body: bytes, ContentType: contentType }),
      );
      if (!out.VersionId) {
        throw new Error(`bucket ${Bucket} returned no version id: is versioning on?`);
      }
      return { versionId: out.VersionId };
    },
    async get(key, opts = {}) {
      assertBlobKey(key);
      try {
        const out = await s3.send(
          new GetObjectCommand({ Bucket, Key: key, VersionId: opts.versionId }),
        );
        return {
          bytes: await out.Body!.transformToByteArray(),
          contentType: out.ContentType ?? "application/octet-stream",
          versionId: out.VersionId ?? "",
        };
      } catch (e) {
        if (isMissing(e) || (e as { name?: string }).name === "InvalidArgument") return null;
        throw e;
      }
    },
    async stat(key, opts = {}) {
      assertBlobKey(key);
      try {
        const out = await s3.send(
          new HeadObjectCommand({ Bucket, Key: key, VersionId: opts.versionId }),
        );
        return {
          versionId: out.VersionId ?? "",
          size: out.ContentLength ?? 0,
          contentType: out.ContentType ?? "application/octet-stream",
          lastModified: out.LastModified ?? new Date(0),
        };
      } catch (e) {
        if (isMissing(e) || (e as { name?: string }).name === "InvalidArgument") return null;
        throw e;
      }
    },
    async open(key, opts = {}) {
      assertBlobKey(key);
      try {
        const out = await s3.send(
          new GetObjectCommand({
            Bucket,
            Key: key,
            VersionId: opts.versionId,
            Range: opts.range ? `bytes=${opts.range.start}-${opts.range.end}` : undefined,
          }),
        );
        return out.Body!.transformToWebStream() as ReadableStream<Uint8Array>;
      } catch (e) {
        if (isMissing(e) || (e as { name?: string }).name === "InvalidArgument") return null;
        throw e;
      }
    },
    listVersions,
    async deleteVersion(key, versionId) {
      assertBlobKey(key);
      await s3.send(new DeleteObjectCommand({ Bucket, Key: key, VersionId: versionId }));
    },
    async purge(key) {
      assertBlobKey(key);
      const out = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: key }));
      const objects = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])]
        .filter((v) => v.Key === key)
        .map((v) => ({ Key: key, VersionId: v.VersionId }));
      if (objects.length) {
        await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: objects } }));
      }
    },
    async presignPut(key, { contentType, contentLength, expiresInSec }) {
      assertBlobKey(key);
      const url = await getSignedUrl(
        signer,
        new PutObjectCommand({
          Bucket,
          Key: key,
          ContentType: contentType,
          ContentLength: contentLength,
        }),
        { expiresIn: expiresInSec, signableHeaders: new Set(["content-type", "content-length"]) },
      );
      return {
        url,
        method: "PUT",
        headers: { "content-type": contentType },
        expiresAt: new Date(Date.now() + expiresInSec * 1000),
      };
    },
    async presignGet(key, { expiresInSec, versionId, downloadName, disposition }) {
      assertBlobKey(key);
      const url = await getSignedUrl(
        signer,
        new GetObjectCommand({
          Bucket,
          Key: key,
          VersionId: versionId,
          ResponseContentDisposition: downloadName
            ? contentDisposition(downloadName, disposition)
            : undefined,
        }),
        { expiresIn: expiresInSec },
      );
      return {
        url,
        method: "GET",
        headers: {},
        expiresAt: new Date(Date.now() + expiresInSec * 1000),
      };
    },
    async ping() {
      await s3.send(new HeadBucketCommand({ Bucket }));
    },
    close() {
      s3.destroy();
      if (signer !== s3) signer.destroy();
      return Promise.resolve();
    },
  };
}
