import { fileTypeFromBuffer } from "file-type";

/** How many leading bytes the content checks read. */
export const SNIFF_BYTES = 4100;

/**
 * Types a browser would run or render as a document if served inline: downloads of these are
 * always `Content-Disposition: attachment`, and content that looks like one of them is refused
 * under any other declared type.
 */
export const ACTIVE_TYPES: ReadonlySet<string> = new Set([
  "text/html",
  "application/xhtml+xml",
  "image/svg+xml",
  "text/xml",
  "application/xml",
  "text/javascript",
  "application/javascript",
  "application/ecmascript",
  "text/ecmascript",
]);

/** Types shown inline (preview in the browser); everything else downloads as an attachment. */
const INLINE_TYPES: ReadonlySet<string> = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "application/pdf",
  "text/plain",
  "video/mp4",
  "audio/mpeg",
]);

export const isInlineType = (type: string): boolean => INLINE_TYPES.has(type);

/**
 * The patterns of the WHATWG MIME sniffing standard ("identifying a resource with an unknown MIME
 * type", the HTML and XML rows), plus SVG and script starts: what a browser may treat as a
 * document whatever the declared type. Compared case-insensitively after leading whitespace and a
 * byte order mark.
 */
const ACTIVE_STARTS = [
  "<!doctype html",
  "<html",
  "<head",
  "<script",
  "<iframe",
  "<h1",
  "<div",
  "<font",
  "<table",
  "<a",
  "<style",
  "<title",
  "<b",
  "<body",
  "<br",
  "<p",
  "<!--",
  "<?xml",
  "<svg",
];

function textStart(head: Uint8Array): string {
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  else if ((head[0] === 0xfe && head[1] === 0xff) || (head[0] === 0xff && head[1] === 0xfe)) {
    // UTF-16: decode it as such so that "<html" spelt in two-byte units is seen too.
    const le = head[0] === 0xff;
    return new TextDecoder(le ? "utf-16le" : "utf-16be").decode(head.subarray(2, 512))
      .trimStart().toLowerCase();
  }
  while (i < head.length && [0x09, 0x0a, 0x0c, 0x0d, 0x20].includes(head[i]!)) i++;
  return new TextDecoder().decode(head.subarray(i, i + 512)).toLowerCase();
}

/** Whether the bytes start like an HTML, XML or SVG document (as a browser's sniffer sees it). */
export function looksActive(head: Uint8Array): boolean {
  const s = textStart(head);
  return ACTIVE_STARTS.some((p) => {
    if (!s.startsWith(p)) return false;
    // The standard's patterns end with a tag-terminating byte (space or ">"); "<!--" and "<?xml"
    // need none.
    const next = s[p.length];
    return p === "<!--" || p === "<?xml" || next === undefined || next === " " || next === ">" ||
      next === "\t" || next === "\n" || next === "\r" || next === "/";
  });
}

/** Declared types that are containers of another detected type (OOXML and ODF are ZIPs, ...). */
const CONTAINERS: Record<string, string[]> = {
  "application/zip": [
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/epub+zip",
    "application/java-archive",
  ],
  "application/x-cfb": ["application/msword", "application/vnd.ms-excel"],
};

/** Same format under another common name. */
const ALIASES: Record<string, string> = {
  "image/jpg": "image/jpeg",
  "audio/mp3": "audio/mpeg",
  "application/x-zip-compressed": "application/zip",
  "application/x-pdf": "application/pdf",
};
const canonical = (t: string) => ALIASES[t] ?? t;

/** Declared types whose content has no magic number to check (anything textual). */
const TEXT_TYPES = /^(text\/|application\/(json|csv|x-ndjson|yaml|x-yaml|toml|sql)$)/;

export type SniffVerdict = { ok: true; detected: string | null } | { ok: false; reason: string };

/**
 * Checks an upload's leading bytes against the type it was declared with: a binary format must
 * be the one declared (its magic number, via file-type); text must not be a disguised document a
 * browser would render (an HTML or SVG file named .png or .txt is refused); active types are
 * accepted only when declared as such (they are then always served as attachments).
 */
export async function sniffContent(declared: string, head: Uint8Array): Promise<SniffVerdict> {
  const want = canonical(declared);
  const active = looksActive(head);
  if (ACTIVE_TYPES.has(want)) return { ok: true, detected: active ? want : null };
  if (active) {
    return { ok: false, reason: `the content is an HTML, SVG or XML document, not ${want}` };
  }
  const found = await fileTypeFromBuffer(head.subarray(0, SNIFF_BYTES)).catch(() => undefined);
  const detected = found ? canonical(found.mime) : null;
  if (want === "application/octet-stream") return { ok: true, detected };
  if (detected === want) return { ok: true, detected };
  if (detected && CONTAINERS[detected]?.includes(want)) return { ok: true, detected };
  if (TEXT_TYPES.test(want)) {
    return detected
      ? { ok: false, reason: `the content is ${detected}, not ${want}` }
      : { ok: true, detected: null };
  }
  return {
    ok: false,
    reason: detected
      ? `the content is ${detected}, not ${want}`
      : `the content does not start like ${want}`,
  };
}
