import { signal } from "@preact/signals";
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { endpoints, type FileHit, type Message, type MessageHit } from "../../api/endpoints.ts";
import { attempt, panelsOverlay, search, type SearchTab } from "../../state/ui.ts";
import { displayName } from "../../state/users.ts";
import { dmName, dms, workspace, workspaces } from "../../state/workspace.ts";
import { Avatar } from "../Avatar.tsx";
import { FileIcon } from "../Files.tsx";
import { formatBytes, formatFull, formatTime } from "../format.ts";
import { SearchBox } from "../SearchBox.tsx";
import { highlightParts } from "./highlight.ts";
import {
  channelOf,
  fileKey,
  fileResults,
  messageResults,
  type Results,
  searchFiles,
  searchMessages,
  showMessage,
} from "./results.ts";

const TABS: { id: SearchTab; label: string }[] = [
  { id: "messages", label: "Messages" },
  { id: "files", label: "Files" },
];

const FILE_TYPES: [string, string][] = [
  ["", "All types"],
  ["image/", "Images"],
  ["application/pdf", "PDFs"],
  ["text/", "Text"],
  ["video/", "Videos"],
  ["audio/", "Audio"],
];
/** The file type chosen on the Files tab (kept while the search is open). */
const fileType = signal("");

const dayFmt = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const dayYearFmt = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
});

/** When a hit was sent: the time today, else the day (and the year if not this one). */
function formatWhen(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (d.toDateString() === now.toDateString()) return formatTime(iso);
  return (d.getFullYear() === now.getFullYear() ? dayFmt : dayYearFmt).format(d);
}

/** The server's highlight as text with <mark>s the client makes (never set as HTML). */
export function Highlight({ html }: { html: string }): JSX.Element {
  return (
    <>
      {highlightParts(html).map((p, i) => p.mark ? <mark key={i}>{p.text}</mark> : p.text)}
    </>
  );
}

/** Where a hit is: `#channel` (with its workspace when it is another), or the DM's people. */
function whereOf(m: Pick<Message, "channel_id" | "dm_id">): string {
  if (m.channel_id) {
    const ch = channelOf(m.channel_id);
    if (!ch) return ch === null ? "a channel" : "#…";
    const other = ch.workspace_id !== workspace.value?.id
      ? workspaces.value.find((w) => w.id === ch.workspace_id)?.name
      : undefined;
    return `${ch.is_private ? "🔒" : "#"}${ch.name}${other ? ` · ${other}` : ""}`;
  }
  const d = dms.value.find((x) => x.id === m.dm_id);
  return d ? `DM · ${dmName(d)}` : "a direct message";
}

/** Opens a hit; on narrow screens the results make way (Back brings them again). */
function go(m: Message): void {
  void attempt(async () => {
    await showMessage(m);
    if (panelsOverlay.peek() && !m.parent_id) {
      history.pushState(null, "", location.pathname);
      search.value = null;
    }
  });
}

function MessageHitItem({ hit }: { hit: MessageHit }) {
  const m = hit.message;
  const files = m.files ?? [];
  return (
    <li>
      <button type="button" class="hit" onClick={() => go(m)}>
        <Avatar userId={m.user_id} small />
        <span class="hit-main">
          <span class="hit-head">
            <span class="author">{displayName(m.user_id)}</span>
            <span class="hit-where">
              {whereOf(m)}
              {m.parent_id && <span class="muted">· thread reply</span>}
            </span>
            <time dateTime={m.created_at} title={formatFull(m.created_at)}>
              {formatWhen(m.created_at)}
            </time>
          </span>
          {hit.highlight && (
            <span class="hit-text">
              <Highlight html={hit.highlight} />
            </span>
          )}
          {files.length > 0 && (
            <span class="hit-files muted">
              📎 {files.map((f) => f.filename).join(", ")}
            </span>
          )}
        </span>
      </button>
    </li>
  );
}

function FileHitItem({ hit }: { hit: FileHit }) {
  const f = hit.file;
  const [broken, setBroken] = useState(false);
  const size = formatBytes(f.size_bytes);
  return (
    <li class="file-hit">
      <a
        class="file-hit-link"
        href={f.download_url}
        download={f.filename}
        title={`Download ${f.filename}`}
        aria-label={`Download ${f.filename} (${f.content_type}, ${size})`}
      >
        {f.thumbnail_url && !broken
          ? (
            <img
              class="file-thumb"
              src={f.thumbnail_url}
              alt=""
              width={48}
              height={48}
              loading="lazy"
              decoding="async"
              onError={() => setBroken(true)}
            />
          )
          : <FileIcon filename={f.filename} contentType={f.content_type} />}
        <span class="file-meta">
          <span class="file-name">
            <Highlight html={hit.highlight} />
          </span>
          <span class="file-size">
            {f.content_type} · {size}
          </span>
          <span class="file-size">
            {displayName(f.uploader_id)} · {whereOf(f)} ·{" "}
            <time dateTime={f.created_at} title={formatFull(f.created_at)}>
              {formatWhen(f.created_at)}
            </time>
          </span>
        </span>
      </a>
      {f.message_id && (
        <button
          type="button"
          class="link show-message"
          onClick={() =>
            void attempt(async () => {
              const m = await endpoints.message(f.message_id!);
              go(m);
            })}
        >
          Show message
        </button>
      )}
    </li>
  );
}

function Empty({ q, what }: { q: string; what: string }) {
  return (
    <div class="search-state" role="status">
      <p>
        <strong>No {what} match “{q}”.</strong>
      </p>
      <p class="muted">
        Try fewer or shorter words, or narrow it another way: <code>in:#channel</code>,{" "}
        <code>from:@person</code>, <code>before:</code>/<code>after:</code>
        <code>YYYY-MM-DD</code>, <code>has:file</code>,{" "}
        <code>is:thread</code>. Only the conversations you are in are searched.
      </p>
    </div>
  );
}

/** The states every tab shares: searching, failed (with Try again), nothing, or the hits. */
function ResultList<T>(
  { q, r, what, retry, more, children }: {
    q: string;
    r: Results<T> | null;
    what: [string, string];
    retry: () => void;
    more: () => void;
    children: (hits: T[]) => JSX.Element;
  },
): JSX.Element {
  if (!r || (r.loading && !r.hits.length)) {
    return <p class="loading search-state" role="status">Searching…</p>;
  }
  if (r.error && !r.hits.length) {
    return (
      <div class="search-state" role="alert">
        <p class="error">The search failed: {r.error}</p>
        <button type="button" class="button" onClick={retry}>Try again</button>
      </div>
    );
  }
  if (!r.hits.length) return <Empty q={q} what={what[1]} />;
  const n = r.hits.length;
  return (
    <>
      <p class="search-count muted" role="status">
        {n}
        {r.next ? "+" : ""} {n === 1 && !r.next ? what[0] : what[1]}
      </p>
      {children(r.hits)}
      {r.error && <p class="error" role="alert">{r.error}</p>}
      {r.next && (
        <button type="button" class="button wide-button" disabled={r.loading} onClick={more}>
          {r.loading ? "Loading…" : "Load more"}
        </button>
      )}
    </>
  );
}

function MessageResults({ q, n }: { q: string; n: number }) {
  useEffect(() => searchMessages(q, n), [q, n]);
  const r = messageResults.value;
  return (
    <ResultList
      q={q}
      r={r.key === `${n}\n${q}` ? r : null}
      what={["message", "messages"]}
      retry={() => searchMessages(q, n, { fresh: true })}
      more={() => searchMessages(q, n, { more: true })}
    >
      {(hits) => (
        <ul class="hits" aria-label="Messages found">
          {hits.map((h) => <MessageHitItem key={h.message.id} hit={h} />)}
        </ul>
      )}
    </ResultList>
  );
}

function FileResults({ q, n }: { q: string; n: number }) {
  const type = fileType.value;
  useEffect(() => searchFiles(q, n, type), [q, n, type]);
  const r = fileResults.value;
  return (
    <>
      <label class="file-type">
        <span>Type</span>
        <select value={type} onChange={(e) => (fileType.value = e.currentTarget.value)}>
          {FILE_TYPES.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
        </select>
      </label>
      <ResultList
        q={q}
        r={r.key === fileKey(q, n, type) ? r : null}
        what={["file", "files"]}
        retry={() => searchFiles(q, n, type, { fresh: true })}
        more={() => searchFiles(q, n, type, { more: true })}
      >
        {(hits) => (
          <ul class="hits files" aria-label="Files found">
            {hits.map((h) => <FileHitItem key={h.file.id} hit={h} />)}
          </ul>
        )}
      </ResultList>
    </>
  );
}

/**
 * Search results beside the conversation (over it on narrow screens): Messages and Files tabs,
 * each hit with where and when it is and its matches marked, "Load more" through the cursor.
 * A message hit opens its conversation at it; a file hit downloads (or shows its message).
 */
export function SearchView(): JSX.Element | null {
  const s = search.value;
  if (!s) return null;
  const setTab = (tab: SearchTab) => (search.value = { ...s, tab });
  const onKeyDown = (e: KeyboardEvent) => {
    const i = TABS.findIndex((t) => t.id === s.tab);
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (step === undefined) return;
    e.preventDefault();
    const next = TABS[(i + step + TABS.length) % TABS.length]!;
    setTab(next.id);
    document.getElementById(`search-tab-${next.id}`)?.focus();
  };
  return (
    <aside class="side-panel search-panel" aria-label="Search results">
      <header class="panel-head">
        {panelsOverlay.value ? <SearchBox inPanel /> : (
          <div class="panel-title">
            <h2>Search</h2>
            <span class="muted search-query" title={s.q}>{s.q}</span>
          </div>
        )}
        <button
          type="button"
          class="icon-button"
          aria-label="Close search"
          onClick={() => (search.value = null)}
        >
          ✕
        </button>
      </header>
      <div class="tabs" role="tablist" aria-label="Search results" onKeyDown={onKeyDown}>
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`search-tab-${t.id}`}
            aria-selected={t.id === s.tab}
            aria-controls="search-results"
            tabIndex={t.id === s.tab ? 0 : -1}
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div
        class="search-body"
        role="tabpanel"
        id="search-results"
        aria-labelledby={`search-tab-${s.tab}`}
      >
        {s.tab === "messages"
          ? <MessageResults q={s.q} n={s.n ?? 0} />
          : <FileResults q={s.q} n={s.n ?? 0} />}
      </div>
    </aside>
  );
}
