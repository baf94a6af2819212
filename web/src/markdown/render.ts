import DOMPurify from "dompurify";
import { Marked, type Tokens } from "marked";

/**
 * Message markdown to safe HTML: marked parses, raw HTML in a message is shown as the text it
 * is (never interpreted), links go only to http(s) and mailto and open in a new tab without an
 * opener or referrer, images become links (no third-party loads), and DOMPurify then removes
 * anything outside a short allow-list as a second line of defence.
 */

const ESC: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => ESC[ch]!);

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** The URL a link may point at, or null (javascript:, data:, vbscript:, relative tricks...). */
export function safeHref(href: string | null | undefined): string | null {
  if (!href) return null;
  try {
    // Absolute URLs only: "//evil" or "javascript&colon;" parse to something we refuse here.
    const u = new URL(href);
    return SAFE_PROTOCOLS.has(u.protocol) ? u.href : null;
  } catch {
    return null;
  }
}

const md = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(token.text);
    },
    link(token: Tokens.Link) {
      const label = this.parser.parseInline(token.tokens);
      const href = safeHref(token.href);
      if (!href) return label;
      const title = token.title ? ` title="${escapeHtml(token.title)}"` : "";
      return `<a href="${escapeHtml(href)}"${title}>${label}</a>`;
    },
    image(token: Tokens.Image) {
      const href = safeHref(token.href);
      const label = escapeHtml(token.text || token.href);
      return href ? `<a href="${escapeHtml(href)}">${label}</a>` : label;
    },
    checkbox({ checked }: Tokens.Checkbox) {
      return checked ? "☑ " : "☐ ";
    },
  },
});

const ALLOWED_TAGS = [
  "a",
  "b",
  "blockquote",
  "br",
  "code",
  "del",
  "em",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "hr",
  "i",
  "li",
  "ol",
  "p",
  "pre",
  "s",
  "span",
  "strong",
  "table",
  "tbody",
  "td",
  "th",
  "thead",
  "tr",
  "ul",
];

let hooked = false;
function purifier(): typeof DOMPurify {
  if (!hooked) {
    hooked = true;
    DOMPurify.addHook("afterSanitizeAttributes", (node) => {
      if (node.nodeName !== "A") return;
      const el = node as Element;
      const href = safeHref(el.getAttribute("href"));
      if (!href) {
        el.removeAttribute("href");
        return;
      }
      el.setAttribute("target", "_blank");
      el.setAttribute("rel", "noopener noreferrer");
    });
  }
  return DOMPurify;
}

const MENTION = /(^|[^\w@])@([a-z0-9][a-z0-9._-]*)/gi;

/** Wraps @name in text (not in code or links) so mentions stand out. */
function markMentions(root: DocumentFragment): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!(n.parentElement?.closest("code, pre, a"))) texts.push(n as Text);
  }
  for (const t of texts) {
    const s = t.data;
    MENTION.lastIndex = 0;
    if (!MENTION.test(s)) continue;
    MENTION.lastIndex = 0;
    const out = document.createDocumentFragment();
    let last = 0;
    for (const m of s.matchAll(MENTION)) {
      const name = m[2]!.replace(/[._-]+$/, "");
      const at = m.index! + m[1]!.length;
      out.append(s.slice(last, at));
      const span = document.createElement("span");
      span.className = "mention";
      span.textContent = `@${name}`;
      out.append(span);
      last = at + 1 + name.length;
    }
    if (last === 0) continue;
    out.append(s.slice(last));
    t.replaceWith(out);
  }
}

const cache = new Map<string, string>();
const CACHE_MAX = 2_000;

/** Sanitized HTML for one message's markdown (cached: lists re-render often). */
export function renderMarkdown(src: string): string {
  const hit = cache.get(src);
  if (hit !== undefined) return hit;
  const raw = md.parse(src) as string;
  const frag = purifier().sanitize(raw, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ["href", "title", "start"],
    ALLOW_DATA_ATTR: false,
    RETURN_DOM_FRAGMENT: true,
  });
  markMentions(frag);
  const box = document.createElement("div");
  box.append(frag);
  const html = box.innerHTML;
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(src, html);
  return html;
}
