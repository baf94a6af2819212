import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { endpoints, type Message, type Report } from "../../api/endpoints.ts";
import { convOf } from "../../state/messages.ts";
import { loadReports, reports, reportStatus } from "../../state/admin.ts";
import { formatWhen, openReports } from "../../state/moderation.ts";
import { attempt, showNotice } from "../../state/ui.ts";
import { displayName, ensureUsers } from "../../state/users.ts";
import { channels, open, workspace } from "../../state/workspace.ts";
import { Avatar } from "../Avatar.tsx";
import { Dialog } from "../Dialog.tsx";
import { Markdown } from "../Markdown.tsx";
import { ActionForm } from "./ActionForm.tsx";
import { LoadMore, Segmented } from "./parts.tsx";

function placeOf(m: Message): string {
  if (!m.channel_id) return "a direct message";
  const ch = channels.value.find((c) => c.id === m.channel_id);
  return ch ? `#${ch.name}` : "a channel";
}

/** The same message everywhere in the queue (several people may report one message). */
function updateMessage(m: Message): void {
  reports.value = {
    ...reports.value,
    items: reports.value.items.map((r) => (r.message_id === m.id ? { ...r, message: m } : r)),
  };
}

function Quoted({ m, dim }: { m: Message; dim?: boolean }) {
  return (
    <div class={`quoted-msg${dim ? " context" : ""}`}>
      <Avatar userId={m.user_id} small />
      <div class="quoted-main">
        <div class="msg-head">
          <span class="author">{displayName(m.user_id)}</span>
          <time dateTime={m.created_at}>{formatWhen(m.created_at)}</time>
          {m.edited_at && <span class="edited">(edited)</span>}
        </div>
        {m.deleted_at
          ? <p class="tombstone">This message was deleted.</p>
          : (
            <div class="msg-content">
              <Markdown text={m.content} />
            </div>
          )}
      </div>
    </div>
  );
}

/** A few messages before the reported one (or the thread's first message, for a reply). */
function Context({ m }: { m: Message }) {
  const [list, setList] = useState<Message[] | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    (async () => {
      try {
        const before = m.parent_id
          ? [await endpoints.message(m.parent_id)]
          : (await endpoints.history(convOf(m), { before: m.id, limit: 3 })).messages;
        ensureUsers(before.map((x) => x.user_id));
        setList([...before].sort((a, b) => a.seq - b.seq));
      } catch (e) {
        setError((e as Error).message);
      }
    })();
  }, [m.id]);
  if (error) return <p class="muted context-note">Context not available: {error}</p>;
  if (!list) return <p class="loading" role="status">Loading context…</p>;
  if (!list.length) return <p class="muted context-note">It is the first message here.</p>;
  return (
    <div class="context-list" aria-label="Messages before it">
      {m.parent_id && <p class="muted context-note">In the thread of:</p>}
      {list.map((x) => <Quoted key={x.id} m={x} dim />)}
    </div>
  );
}

type Quick = { kind: "delete" } | { kind: "act"; type: "mute" | "ban" };

function QuickDialog(
  { r, q, onClose }: { r: Report; q: Quick; onClose: () => void },
): JSX.Element {
  const m = r.message;
  const [busy, setBusy] = useState(false);
  if (q.kind === "act") {
    return (
      <Dialog
        title={`${q.type === "mute" ? "Mute" : "Ban"} ${displayName(m.user_id)}`}
        onClose={onClose}
      >
        <ActionForm
          initial={{
            type: q.type,
            targetId: m.user_id,
            reason: r.reason,
            scope: m.channel_id ? "channel" : "workspace",
            channelId: m.channel_id ?? "",
            workspaceId: workspace.value?.id ?? "",
          }}
          onDone={onClose}
          onCancel={onClose}
        />
      </Dialog>
    );
  }
  return (
    <Dialog title="Delete message" onClose={onClose}>
      <p>Delete this message for everyone? A tombstone stays in its place.</p>
      <blockquote class="quote">{m.content.slice(0, 300)}</blockquote>
      <div class="dialog-actions">
        <button type="button" class="button" data-autofocus onClick={onClose}>Cancel</button>
        <button
          type="button"
          class="button danger"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            const ok = await attempt(async () => {
              await endpoints.remove(m.id);
              updateMessage(
                await endpoints.message(m.id).catch(() => ({
                  ...m,
                  content: "",
                  deleted_at: new Date().toISOString(),
                })),
              );
            });
            if (ok) showNotice("Message deleted.");
            onClose();
          }}
        >
          Delete
        </button>
      </div>
    </Dialog>
  );
}

function ReportCard({ r }: { r: Report }) {
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [context, setContext] = useState(false);
  const [quick, setQuick] = useState<Quick | null>(null);
  const m = r.message;
  const close = async (how: "resolve" | "dismiss") => {
    setBusy(true);
    const ok = await attempt(async () => {
      await endpoints.closeReport(r.id, how, note.trim() || undefined);
      reports.value = {
        ...reports.value,
        items: reports.value.items.filter((x) => x.id !== r.id),
      };
      openReports.value = Math.max(0, openReports.value - 1);
      showNotice(how === "resolve" ? "Report resolved." : "Report dismissed.");
    });
    if (!ok) setBusy(false);
  };
  return (
    <li class="report">
      <header class="report-head">
        <Avatar userId={r.reporter_id} small />
        <p>
          <strong>{displayName(r.reporter_id)}</strong> reported a message by{" "}
          <strong>{displayName(m.user_id)}</strong> in {placeOf(m)}
          <span class="muted">
            {" · "}
            <time dateTime={r.created_at}>{formatWhen(r.created_at)}</time>
          </span>
        </p>
      </header>
      <p class="report-reason">
        <span class="muted">Reason:</span> {r.reason}
      </p>
      <div class="report-message">
        {context && <Context m={m} />}
        <Quoted m={m} />
        <div class="report-links">
          <button
            type="button"
            class="link"
            aria-expanded={context}
            onClick={() => setContext(!context)}
          >
            {context ? "Hide context" : "Show context"}
          </button>
          {channels.value.some((c) => c.id === m.channel_id) && (
            <button
              type="button"
              class="link"
              onClick={() => open(convOf(m))}
            >
              Open {placeOf(m)}
            </button>
          )}
        </div>
      </div>
      {r.status === "open"
        ? (
          <div class="report-actions">
            <label class="field note">
              <span class="sr-only">Note (optional)</span>
              <input
                value={note}
                maxLength={1000}
                placeholder="Note for the record (optional)"
                onInput={(e) => setNote(e.currentTarget.value)}
              />
            </label>
            <button
              type="button"
              class="button primary"
              disabled={busy}
              onClick={() => void close("resolve")}
            >
              Resolve
            </button>
            <button
              type="button"
              class="button"
              disabled={busy}
              onClick={() => void close("dismiss")}
            >
              Dismiss
            </button>
          </div>
        )
        : (
          <p class="report-closed muted">
            {r.status === "resolved" ? "Resolved" : "Dismissed"}
            {r.resolved_by ? ` by ${displayName(r.resolved_by)}` : ""}
            {r.resolved_at ? ` · ${formatWhen(r.resolved_at)}` : ""}
            {r.resolution_note ? ` · “${r.resolution_note}”` : ""}
          </p>
        )}
      <div class="quick-actions" role="group" aria-label="Quick actions">
        {!m.deleted_at && (
          <button
            type="button"
            class="button small"
            onClick={() => setQuick({ kind: "delete" })}
          >
            Delete message
          </button>
        )}
        <button
          type="button"
          class="button small"
          onClick={() => setQuick({ kind: "act", type: "mute" })}
        >
          Mute author
        </button>
        <button
          type="button"
          class="button small danger-outline"
          onClick={() => setQuick({ kind: "act", type: "ban" })}
        >
          Ban author
        </button>
      </div>
      {quick && <QuickDialog r={r} q={quick} onClose={() => setQuick(null)} />}
    </li>
  );
}

/** The moderation queue: reported messages with who reported them and why, oldest first. */
export function ReportsTab(): JSX.Element {
  const p = reports.value;
  useEffect(() => {
    void loadReports();
  }, [reportStatus.value]);
  return (
    <section class="admin-card" aria-labelledby="report-list">
      <header class="card-head">
        <h2 id="report-list">Reports</h2>
        <Segmented
          label="Status"
          value={reportStatus.value}
          options={[
            { value: "open", label: "Open" },
            { value: "resolved", label: "Resolved" },
            { value: "dismissed", label: "Dismissed" },
          ]}
          onChange={(v) => (reportStatus.value = v)}
        />
      </header>
      {p.error && <p class="error" role="alert">{p.error}</p>}
      <ul class="report-list">
        {p.items.map((r) => <ReportCard key={r.id} r={r} />)}
      </ul>
      {p.loaded && !p.items.length && !p.error && (
        <p class="empty-note muted">
          {reportStatus.value === "open" ? "Nothing to review: the queue is empty." : "None yet."}
        </p>
      )}
      <LoadMore page={p} onMore={() => void loadReports(true)} />
    </section>
  );
}
