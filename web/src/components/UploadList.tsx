import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { removeUpload, retryUpload, type Upload } from "../state/uploads.ts";
import { FileIcon } from "./Files.tsx";
import { formatBytes } from "./format.ts";

function statusOf(u: Upload): string {
  switch (u.state) {
    case "uploading":
      return `Uploading ${Math.floor(u.progress * 100)}%`;
    case "scanning":
      return u.waitingForScan ? "Waiting for the virus scan…" : "Scanning…";
    case "ready":
      return "Ready";
    case "failed":
      return "Failed";
  }
}

function Chip({ draftKey, u }: { draftKey: string; u: Upload }) {
  const pct = Math.floor(u.progress * 100);
  // A file that claims to be an image but is not (the server refuses those) shows no preview.
  const [broken, setBroken] = useState<string>();
  const src = u.file?.thumbnail_url ?? u.preview;
  const thumb = src !== broken ? src : undefined;
  return (
    <li class={`upload ${u.state}`} aria-label={`${u.name}, ${statusOf(u)}`}>
      <span class="upload-thumb">
        {thumb
          ? <img src={thumb} alt="" onError={() => setBroken(thumb)} />
          : <FileIcon filename={u.name} contentType={u.type} />}
      </span>
      <span class="upload-info">
        <span class="upload-name" title={u.name}>{u.name}</span>
        <span class="upload-status">
          {formatBytes(u.size)}
          {" · "}
          {u.state === "failed"
            ? (
              <button type="button" class="link" onClick={() => retryUpload(u.key)}>
                Retry
              </button>
            )
            : <span class={`state ${u.state}`}>{statusOf(u)}</span>}
        </span>
        {u.state === "failed" && <span class="upload-error" role="alert">{u.error}</span>}
      </span>
      <button
        type="button"
        class="icon-button upload-remove"
        aria-label={`Remove ${u.name}`}
        title="Remove"
        onClick={() => removeUpload(draftKey, u.key)}
      >
        ✕
      </button>
      {u.state === "uploading" && (
        <progress
          class="upload-bar"
          role="progressbar"
          max={100}
          value={pct}
          aria-label={`Uploading ${u.name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct}
        />
      )}
      {u.state === "scanning" && (
        <progress class="upload-bar" role="progressbar" aria-label={`Scanning ${u.name}`} />
      )}
    </li>
  );
}

/** The files waiting to go with the next message, as chips above the composer. */
export function UploadList(
  { draftKey, uploads }: { draftKey: string; uploads: Upload[] },
): JSX.Element {
  return (
    <ul class="uploads" aria-label="Files to send">
      {uploads.map((u) => <Chip key={u.key} draftKey={draftKey} u={u} />)}
    </ul>
  );
}
