import { type Signal, signal } from "@preact/signals";
import { ApiError } from "../api/client.ts";
import { type AttachedFile, type ConvRef, endpoints, type FileInfo } from "../api/endpoints.ts";
import { putFile } from "../api/upload.ts";
import { showNotice } from "./ui.ts";

/**
 * Files being attached to the next message of a composer, one list per composer (a
 * conversation's, or a thread's), kept while you look elsewhere, like its draft. Each goes
 * through the three steps of shared/API.md: an upload URL (the size and type are checked:
 * a file over the limit fails at once), the PUT of its bytes (with progress), and the confirm
 * (content checks and the virus scan), after which it is ready to be sent.
 */

export type UploadState = "uploading" | "scanning" | "ready" | "failed";

export interface Upload {
  key: string;
  name: string;
  size: number;
  type: string;
  state: UploadState;
  /** Share of the bytes sent, 0 to 1. */
  progress: number;
  /** The scanner gave no answer yet; the server scans again shortly. */
  waitingForScan?: boolean;
  error?: string;
  /** Once ready: the file as a message will carry it. */
  file?: AttachedFile;
  /** A `data:` URL of a local image, shown while it uploads (the CSP allows no `blob:`). */
  preview?: string;
}

/** The most files one message may carry (shared/contracts: file_ids max 10). */
export const MAX_FILES = 10;
/** Local previews only for images small enough to read into memory at once. */
const PREVIEW_MAX_BYTES = 8 * 1024 * 1024;
/** Asking again while the scanner is away: the server rescans on every confirm. */
const RESCAN_DELAYS_MS = [2_000, 4_000, 8_000, 15_000, 30_000];

interface Job {
  conv: ConvRef;
  draftKey: string;
  file: File;
  controller: AbortController;
  /** Set once the bytes are up: a retry then only confirms again. */
  uploadedId?: string;
}

const lists = new Map<string, Signal<Upload[]>>();
const jobs = new Map<string, Job>();

export const draftKeyOf = (conv: ConvRef, parentId: string | null = null): string =>
  `${conv.kind}:${conv.id}:${parentId ?? ""}`;

export function uploadsFor(draftKey: string): Signal<Upload[]> {
  let s = lists.get(draftKey);
  if (!s) lists.set(draftKey, s = signal([]));
  return s;
}

function patch(job: Job, key: string, f: Partial<Upload>): void {
  const s = uploadsFor(job.draftKey);
  s.value = s.value.map((u) => (u.key === key ? { ...u, ...f } : u));
}

// deno-lint-ignore no-control-regex
const UNSAFE_NAME = /[\u0000-\u001f\u007f/\\]/g;

/** A name the server accepts: no slashes or control characters, trimmed, at most 255 long. */
export function safeFilename(name: string): string {
  let n = name.replace(UNSAFE_NAME, "_").trim();
  if (n === "" || n === "." || n === "..") n = "file";
  if (n.length > 255) {
    const dot = n.lastIndexOf(".");
    const ext = dot > 0 && n.length - dot <= 16 ? n.slice(dot) : "";
    n = n.slice(0, 255 - ext.length).trimEnd() + ext;
  }
  return n;
}

const BY_EXTENSION: Record<string, string> = {
  md: "text/markdown",
  markdown: "text/markdown",
  txt: "text/plain",
  log: "text/plain",
  csv: "text/csv",
  json: "application/json",
};

/** The file's media type as the server wants it (`type/subtype`, no parameters). */
export function mediaTypeOf(file: Pick<File, "name" | "type">): string {
  const t = file.type.toLowerCase().split(";")[0]!.trim();
  if (/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(t)) return t;
  const ext = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase() ?? "";
  return BY_EXTENSION[ext] ?? "application/octet-stream";
}

const attached = (f: FileInfo): AttachedFile => ({
  id: f.id,
  filename: f.filename,
  content_type: f.content_type,
  size_bytes: f.size_bytes,
  metadata: f.metadata,
  download_url: f.download_url ?? `/api/v1/files/${f.id}/download`,
  thumbnail_url: f.thumbnail_url,
});

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      reject(new DOMException("cancelled", "AbortError"));
    }, { once: true });
  });

async function run(key: string, job: Job): Promise<void> {
  const { signal } = job.controller;
  const file = job.file;
  try {
    let id = job.uploadedId;
    if (!id) {
      patch(job, key, { state: "uploading", progress: 0, error: undefined });
      const target = await endpoints.uploadUrl(job.conv, {
        filename: safeFilename(file.name),
        content_type: mediaTypeOf(file),
        size_bytes: file.size,
      });
      if (signal.aborted) return;
      // Progress events come many times a second: a visible step is enough.
      let shown = 0;
      await putFile(target, file, {
        signal,
        onProgress: (p) => {
          if (p === 1 || p - shown >= 0.01) {
            shown = p;
            patch(job, key, { progress: p });
          }
        },
      });
      id = job.uploadedId = target.file_id;
    }
    patch(job, key, { state: "scanning", progress: 1, error: undefined });
    let info = await endpoints.confirmFile(id);
    for (let i = 0; info.status === "pending"; i++) {
      patch(job, key, { waitingForScan: true });
      await sleep(RESCAN_DELAYS_MS[Math.min(i, RESCAN_DELAYS_MS.length - 1)]!, signal);
      info = await endpoints.confirmFile(id);
    }
    if (signal.aborted) return;
    if (info.status !== "clean") {
      job.uploadedId = undefined;
      throw new Error(
        info.status === "infected" ? "This file failed its virus scan" : "This file was refused",
      );
    }
    patch(job, key, { state: "ready", waitingForScan: false, file: attached(info) });
  } catch (e) {
    if (signal.aborted || (e as Error).name === "AbortError") return;
    // A refusal of the bytes themselves (not a passing failure) needs a fresh upload to retry.
    if (e instanceof ApiError && !e.transient) job.uploadedId = undefined;
    patch(job, key, {
      state: "failed",
      waitingForScan: false,
      error: (e as Error).message || "The upload failed",
    });
  }
}

function readPreview(key: string, job: Job): void {
  if (!/^image\/(png|jpeg|gif|webp)$/.test(job.file.type) || job.file.size > PREVIEW_MAX_BYTES) {
    return;
  }
  const reader = new FileReader();
  reader.onload = () => {
    if (jobs.has(key) && typeof reader.result === "string") {
      patch(job, key, { preview: reader.result });
    }
  };
  reader.readAsDataURL(job.file);
}

/** Starts uploading files (a pick, a drop or a paste) into a composer's list. */
export function addUploads(conv: ConvRef, parentId: string | null, files: Iterable<File>): void {
  const draftKey = draftKeyOf(conv, parentId);
  const s = uploadsFor(draftKey);
  const all = [...files];
  const room = MAX_FILES - s.value.length;
  if (all.length > room) {
    showNotice(`A message can carry at most ${MAX_FILES} files`);
  }
  const added: [string, Job][] = all.slice(0, Math.max(0, room)).map((file) => [
    crypto.randomUUID(),
    { conv, draftKey, file, controller: new AbortController() },
  ]);
  if (!added.length) return;
  s.value = [
    ...s.value,
    ...added.map(([key, { file }]) => ({
      key,
      name: file.name || "file",
      size: file.size,
      type: mediaTypeOf(file),
      state: "uploading" as const,
      progress: 0,
    })),
  ];
  for (const [key, job] of added) {
    jobs.set(key, job);
    readPreview(key, job);
    void run(key, job);
  }
}

export function retryUpload(key: string): void {
  const job = jobs.get(key);
  if (!job) return;
  job.controller.abort();
  job.controller = new AbortController();
  void run(key, job);
}

/** Takes a file off the list, cancelling its upload if it is still going. */
export function removeUpload(draftKey: string, key: string): void {
  jobs.get(key)?.controller.abort();
  jobs.delete(key);
  const s = uploadsFor(draftKey);
  s.value = s.value.filter((u) => u.key !== key);
}

/** The ready files, for a send: they leave the list (unfinished and failed ones stay). */
export function takeReady(draftKey: string): AttachedFile[] {
  const s = uploadsFor(draftKey);
  const ready = s.value.filter((u) => u.state === "ready" && u.file);
  if (!ready.length) return [];
  for (const u of ready) jobs.delete(u.key);
  s.value = s.value.filter((u) => !ready.includes(u));
  return ready.map((u) => u.file!);
}

/** Sign-out: every upload stops and every list empties. */
export function resetUploads(): void {
  for (const j of jobs.values()) j.controller.abort();
  jobs.clear();
  lists.clear();
}
