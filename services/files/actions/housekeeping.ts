import { inTransaction, sqlStores } from "@colink/conversations";
import { scanVersion } from "./confirm.ts";
import type { FilesDeps } from "./deps.ts";
import { writeMetadataDocument } from "./metadata_document.ts";
import { thumbKeyOf } from "./uploads.ts";

const BATCH = 100;

/** What one pass did, for the log and the tests. */
export interface HousekeepingReport {
  abandoned: number;
  abandonedVersions: number;
  rescanned: number;
  purged: number;
}

/**
 * One pass of the files service's housekeeping: uploads never confirmed go (rows and bytes) once
 * their URL expired more than FILES_UNCONFIRMED_RETENTION_SEC ago; scans that gave no answer are
 * tried again; the bytes of files whose message was deleted go after FILES_DELETED_RETENTION_SEC.
 */
export async function filesHousekeeping(d: FilesDeps): Promise<HousekeepingReport> {
  const now = d.chat.now().getTime();
  const c = d.config;
  const store = sqlStores(d.chat.sql).files;
  const report: HousekeepingReport = {
    abandoned: 0,
    abandonedVersions: 0,
    rescanned: 0,
    purged: 0,
  };

  const unconfirmedBefore = new Date(now - c.FILES_UNCONFIRMED_RETENTION_SEC * 1000);
  for (const f of await store.abandoned(unconfirmedBefore, BATCH)) {
    await d.blobs.purge(f.blob_key);
    await store.remove(f.id);
    await d.docs.collection("files").deleteOne({ file_id: f.id });
    report.abandoned++;
  }
  for (const v of await store.abandonedVersions(unconfirmedBefore, BATCH)) {
    const f = await store.get(v.file_id);
    if (f) {
      // A URL of an abandoned version may still have been used: drop what it stored, if anything.
      const known = new Set((await store.versions(f.id)).map((x) => x.blob_version_id));
      for (const b of await d.blobs.listVersions(f.blob_key)) {
        if (!known.has(b.versionId) && b.lastModified.getTime() < unconfirmedBefore.getTime()) {
          await d.blobs.deleteVersion(f.blob_key, b.versionId);
        }
      }
    }
    await store.removeVersion(v.file_id, v.n);
    report.abandonedVersions++;
  }

  const rescanBefore = new Date(now - c.FILES_RESCAN_AFTER_SEC * 1000);
  for (const v of await store.pendingScans(rescanBefore, BATCH)) {
    const status = await scanVersion(d, v.file_id, v.n);
    if (status !== "pending") {
      const f = await store.get(v.file_id);
      if (f) await writeMetadataDocument(d, f, await store.versions(f.id));
      report.rescanned++;
    }
  }

  const deletedBefore = new Date(now - c.FILES_DELETED_RETENTION_SEC * 1000);
  for (const f of await store.deletedBefore(deletedBefore, BATCH)) {
    await d.blobs.purge(f.blob_key);
    await d.blobs.purge(thumbKeyOf(f));
    await inTransaction(d.chat, (u) => u.s.files.remove(f.id));
    await d.docs.collection("files").deleteOne({ file_id: f.id });
    report.purged++;
  }
  return report;
}

/** Runs housekeeping every interval until stopped (the service's background task). */
export function runFilesHousekeeping(d: FilesDeps): () => Promise<void> {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= filesHousekeeping(d)
      .then((r) => {
        if (r.abandoned + r.abandonedVersions + r.rescanned + r.purged > 0) {
          d.logger.info("files housekeeping", { ...r });
        }
      })
      .catch((e) => d.logger.warn("files housekeeping failed; retrying later", { err: e }))
      .finally(() => (running = undefined));
  }, d.config.FILES_HOUSEKEEPING_INTERVAL_SEC * 1000);
  Deno.unrefTimer(timer);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
