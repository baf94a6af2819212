const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/**
 * A snippet of `text` around the first match with every match of `needles` (case-insensitive)
 * wrapped in `<mark>`, everything else HTML-escaped: safe to insert as HTML.
 */
export function highlight(text: string, needles: readonly string[], width = 160): string {
  const lower = text.toLowerCase();
  const ranges: [number, number][] = [];
  for (const n of needles) {
    const needle = n.toLowerCase();
    if (!needle) continue;
    for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + needle.length)) {
      ranges.push([i, i + needle.length]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  const first = merged[0]?.[0] ?? 0;
  const start = text.length <= width
    ? 0
    : Math.max(0, Math.min(first - width / 4, text.length - width));
  const end = Math.min(text.length, start + width);
  let out = start > 0 ? "…" : "";
  let at = start;
  for (const [a, b] of merged) {
    if (b <= start || a >= end) continue;
    const s = Math.max(a, start), e = Math.min(b, end);
    out += escapeHtml(text.slice(at, s)) + "<mark>" + escapeHtml(text.slice(s, e)) + "</mark>";
    at = e;
  }
  out += escapeHtml(text.slice(at, end)) + (end < text.length ? "…" : "");
  return out;
}
