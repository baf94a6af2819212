/**
 * The server's highlight (services/search/actions/highlight.ts: the text HTML-escaped, with
 * `<mark>` around the matches) read as plain parts, so it is shown as text nodes and `<mark>`
 * elements the client makes itself: nothing from it is ever set as HTML. Only a bare `<mark>` and
 * `</mark>` mean something; any other tag is dropped (the server escapes every `<` of the text,
 * so a tag here is not the message's), and entities are decoded once.
 */

export interface HighlightPart {
  text: string;
  mark: boolean;
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** `&amp;`, `&lt;`, `&#39;`, `&#x1F600;`: decoded; anything else is left as it is. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]+);/gi, (all, e: string) => {
    if (e[0] !== "#") return NAMED[e.toLowerCase()] ?? all;
    const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    // No NUL, surrogates or beyond Unicode: those stay as the text they were.
    if (!code || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return all;
    return String.fromCodePoint(code);
  });
}

export function highlightParts(html: string): HighlightPart[] {
  const parts: HighlightPart[] = [];
  let depth = 0;
  const push = (raw: string) => {
    const text = decodeEntities(raw);
    if (!text) return;
    const mark = depth > 0;
    const last = parts.at(-1);
    if (last && last.mark === mark) last.text += text;
    else parts.push({ text, mark });
  };
  const tag = /<(\/?)([a-z][a-z0-9-]*)\b[^<>]*>/gi;
  let at = 0;
  for (let m = tag.exec(html); m; m = tag.exec(html)) {
    push(html.slice(at, m.index));
    at = m.index + m[0].length;
    if (m[2]!.toLowerCase() !== "mark") continue;
    if (m[1]) depth = Math.max(0, depth - 1);
    else depth++;
  }
  push(html.slice(at));
  return parts;
}
