import type { JSX } from "preact";
import { useState } from "preact/hooks";
import type { AttachedFile } from "../api/endpoints.ts";
import { formatBytes } from "./format.ts";

/** Longest side of an image preview in a message (the server's thumbnails are this size). */
const PREVIEW_MAX = 360;

type Kind =
  | "image"
  | "pdf"
  | "doc"
  | "sheet"
  | "slides"
  | "archive"
  | "audio"
  | "video"
  | "code"
  | "text"
  | "other";

const KIND_BY_TYPE: [RegExp, Kind][] = [
  [/^image\//, "image"],
  [/^audio\//, "audio"],
  [/^video\//, "video"],
  [/^application\/pdf$/, "pdf"],
  [/(wordprocessing|msword|opendocument\.text)/, "doc"],
  [/(spreadsheet|ms-excel|^text\/csv$)/, "sheet"],
  [/presentation/, "slides"],
  [/(zip|gzip|x-tar|compressed)/, "archive"],
  [/(json|xml|javascript|html)/, "code"],
  [/^text\//, "text"],
];

function kindOf(contentType: string): Kind {
  return KIND_BY_TYPE.find(([re]) => re.test(contentType))?.[1] ?? "other";
}

/** What the icon says: the name's extension (up to 4 letters), or the kind of file. */
function labelOf(filename: string, kind: Kind): string {
  const ext = /\.([a-z0-9]{1,4})$/i.exec(filename)?.[1];
  return ext ? ext.toUpperCase() : kind === "other" ? "FILE" : kind.toUpperCase().slice(0, 4);
}

/** A file type's tile: its extension on its kind's color. */
export function FileIcon(
  { filename, contentType }: { filename: string; contentType: string },
): JSX.Element {
  const kind = kindOf(contentType);
  return (
    <span class={`file-icon kind-${kind}`} aria-hidden="true">
      {labelOf(filename, kind)}
    </span>
  );
}

/** The preview's size in CSS pixels: the image's own, shrunk to fit PREVIEW_MAX. */
export function previewSize(
  meta: { width: number; height: number } | null,
): { width: number; height: number } | undefined {
  if (!meta) return undefined;
  const scale = Math.min(1, PREVIEW_MAX / Math.max(meta.width, meta.height));
  return {
    width: Math.max(1, Math.round(meta.width * scale)),
    height: Math.max(1, Math.round(meta.height * scale)),
  };
}

function FileCard({ f }: { f: AttachedFile }) {
  const size = formatBytes(f.size_bytes);
  return (
    <a
      class="file-card"
      href={f.download_url}
      download={f.filename}
      title={`Download ${f.filename}`}
      aria-label={`Download ${f.filename} (${size})`}
    >
      <FileIcon filename={f.filename} contentType={f.content_type} />
      <span class="file-meta">
        <span class="file-name">{f.filename}</span>
        <span class="file-size">{size}</span>
      </span>
      <span class="file-download" aria-hidden="true">
        <svg viewBox="0 0 20 20" width="18" height="18" focusable="false">
          <path d="M10 3v9m0 0-3.5-3.5M10 12l3.5-3.5M4 15.5h12" />
        </svg>
      </span>
    </a>
  );
}

function ImagePreview({ f, onBroken }: { f: AttachedFile; onBroken: () => void }) {
  const size = previewSize(f.metadata);
  return (
    <figure class="file-image">
      <a
        href={f.download_url}
        target="_blank"
        rel="noopener noreferrer"
        title={`Open ${f.filename} in a new tab`}
      >
        <img
          src={f.thumbnail_url!}
          alt={f.filename}
          width={size?.width}
          height={size?.height}
          loading="lazy"
          decoding="async"
          onError={onBroken}
        />
      </a>
      <figcaption>
        <span class="file-name">{f.filename}</span>
        <span class="file-size">{formatBytes(f.size_bytes)}</span>
      </figcaption>
    </figure>
  );
}

function Attachment({ f }: { f: AttachedFile }) {
  // A preview that fails to load (gone, expired) falls back to the plain card.
  const [broken, setBroken] = useState(false);
  return f.thumbnail_url && !broken
    ? <ImagePreview f={f} onBroken={() => setBroken(true)} />
    : <FileCard f={f} />;
}

/** A message's files: image previews that open the original, and cards that download. */
export function Attachments({ files }: { files: AttachedFile[] }): JSX.Element | null {
  if (!files.length) return null;
  return (
    <ul class="attachments" aria-label="Files">
      {files.map((f) => (
        <li key={f.id}>
          <Attachment f={f} />
        </li>
      ))}
    </ul>
  );
}
