import type { JSX } from "preact";
import { useEffect, useId, useState } from "preact/hooks";
import { type AuditEntry, endpoints } from "../../api/endpoints.ts";
import {
  audit,
  AUDIT_ACTIONS,
  auditFilter,
  auditSummary,
  csvFilename,
  loadAudit,
  RESOURCE_TYPES,
  sinceIso,
} from "../../state/admin.ts";
import { formatWhen } from "../../state/moderation.ts";
import { attempt } from "../../state/ui.ts";
import { displayName } from "../../state/users.ts";
import { LoadMore } from "./parts.tsx";
import { UserPicker } from "./UserPicker.tsx";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function resource(e: AuditEntry): string {
  const id = e.resource_id ?? "";
  if (e.resource_type === "user" && UUID.test(id)) return displayName(id);
  if (e.resource_type === "workspace_member" || e.resource_type === "channel_member") {
    const uid = id.split("/")[1] ?? "";
    return UUID.test(uid) ? displayName(uid) : id;
  }
  if (e.resource_type === "route") return id;
  return UUID.test(id) ? `${id.slice(0, 8)}…` : id;
}

function Row({ e }: { e: AuditEntry }) {
  const summary = auditSummary(e.metadata);
  return (
    <tr>
      <td class="when">
        <time dateTime={e.created_at}>{formatWhen(e.created_at)}</time>
      </td>
      <td>{e.actor_id ? displayName(e.actor_id) : <span class="muted">system</span>}</td>
      <td>
        <code class={`action${e.action === "admin.denied" ? " denied" : ""}`}>{e.action}</code>
      </td>
      <td>
        <span class="muted">{e.resource_type}</span>{" "}
        <span title={e.resource_id ?? ""}>
          {resource(e)}
        </span>
      </td>
      <td class="details">
        <details>
          <summary>{summary || "Details"}</summary>
          <pre>{JSON.stringify(e.metadata, null, 2)}</pre>
        </details>
      </td>
    </tr>
  );
}

/** Saves a Blob as a file the browser downloads. */
function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Everything done with admin powers (and every refused attempt), newest first; realm admins. */
export function AuditTab(): JSX.Element {
  const p = audit.value;
  const f = auditFilter.value;
  const [actor, setActor] = useState(f.actor_id ?? "");
  const [action, setAction] = useState(f.action ?? "");
  const [type, setType] = useState(f.resource_type ?? "");
  const [since, setSince] = useState("");
  const [exporting, setExporting] = useState(false);
  const actionsId = useId();
  useEffect(() => {
    void loadAudit();
  }, [auditFilter.value]);
  const apply = (e?: Event) => {
    e?.preventDefault();
    auditFilter.value = {
      actor_id: actor || undefined,
      action: action.trim() || undefined,
      resource_type: type || undefined,
      since: sinceIso(since),
    };
  };
  const clear = () => {
    setActor("");
    setAction("");
    setType("");
    setSince("");
    auditFilter.value = {};
  };
  const exportCsv = async () => {
    setExporting(true);
    await attempt(async () => download(await endpoints.auditCsv(auditFilter.value), csvFilename()));
    setExporting(false);
  };
  return (
    <section class="admin-card" aria-labelledby="audit-log">
      <header class="card-head">
        <h2 id="audit-log">Audit log</h2>
        <button
          type="button"
          class="button"
          disabled={exporting}
          onClick={() => void exportCsv()}
        >
          {exporting ? "Exporting…" : "Export CSV"}
        </button>
      </header>
      <form class="audit-filters" onSubmit={apply} aria-label="Filter the audit log">
        <UserPicker label="Actor" value={actor} onChange={setActor} placeholder="Anyone" />
        <label class="field">
          <span>Action</span>
          <input
            list={actionsId}
            value={action}
            placeholder="Any action"
            onInput={(e) => setAction(e.currentTarget.value)}
          />
          <datalist id={actionsId}>
            {AUDIT_ACTIONS.map((a) => <option key={a} value={a} />)}
          </datalist>
        </label>
        <label class="field">
          <span>Resource type</span>
          <select value={type} onChange={(e) => setType(e.currentTarget.value)}>
            <option value="">Any</option>
            {RESOURCE_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </label>
        <label class="field">
          <span>Since</span>
          <input
            type="datetime-local"
            value={since}
            onInput={(e) => setSince(e.currentTarget.value)}
          />
        </label>
        <div class="filter-actions">
          <button type="submit" class="button primary">Apply</button>
          <button type="button" class="button" onClick={clear}>Clear</button>
        </div>
      </form>
      {p.error && <p class="error" role="alert">{p.error}</p>}
      <div class="table-wrap">
        <table class="admin-table audit-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Resource</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {p.items.map((e) => <Row key={e.id} e={e} />)}
          </tbody>
        </table>
      </div>
      {p.loaded && !p.items.length && !p.error && <p class="empty-note muted">No entries match.</p>}
      <LoadMore page={p} onMore={() => void loadAudit(true)} />
    </section>
  );
}
