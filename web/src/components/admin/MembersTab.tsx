import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../../api/client.ts";
import { endpoints, type WorkspaceMember, type WorkspaceRole } from "../../api/endpoints.ts";
import {
  assignableRoles,
  loadWorkspaceMembers,
  replaceItem,
  roleError,
  ROLES,
  workspaceMembers,
} from "../../state/admin.ts";
import { formatWhen, isRealmAdmin } from "../../state/moderation.ts";
import { me } from "../../state/session.ts";
import { showNotice } from "../../state/ui.ts";
import { displayName, username } from "../../state/users.ts";
import { loadWorkspaces, workspace, workspaces } from "../../state/workspace.ts";
import { Avatar } from "../Avatar.tsx";

const ROLE_LABEL: Record<WorkspaceRole, string> = {
  owner: "Owner",
  admin: "Admin",
  member: "Member",
  guest: "Guest",
};

function MemberRow({ m }: { m: WorkspaceMember & { id: string } }) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const w = workspace.value!;
  const name = displayName(m.user_id);
  const allowed = assignableRoles({
    myRole: w.role,
    realmAdmin: isRealmAdmin.value,
    targetRole: m.role,
  });
  const change = async (el: HTMLSelectElement) => {
    const role = el.value as WorkspaceRole;
    if (busy) return void (el.value = m.role);
    setBusy(true);
    setError("");
    try {
      const changed = await endpoints.setWorkspaceRole(w.id, m.user_id, role);
      replaceItem(workspaceMembers, { ...changed, id: changed.user_id });
      showNotice(`${name} is now ${ROLE_LABEL[changed.role].toLowerCase()} of ${w.name}.`);
      if (m.user_id === me.value?.id) {
        // Our own role changed: what we may do here changes with it.
        const list = await loadWorkspaces();
        workspace.value = list.find((x) => x.id === w.id) ?? workspace.value;
      }
    } catch (e) {
      el.value = m.role; // refused: the select shows the role the server holds
      setError(
        e instanceof ApiError ? roleError(e.code, e.message, name) : (e as Error).message,
      );
    } finally {
      setBusy(false);
    }
  };
  const errorId = `role-error-${m.user_id}`;
  return (
    <tr class={error ? "has-error" : ""}>
      <td class="person">
        <Avatar userId={m.user_id} small />
        <span class="name">{name}</span>
        <span class="muted">@{username(m.user_id)}</span>
      </td>
      <td>
        <time dateTime={m.joined_at}>{formatWhen(m.joined_at)}</time>
      </td>
      <td class="role-cell">
        <select
          aria-label={`Role of ${name}`}
          aria-describedby={error ? errorId : undefined}
          aria-invalid={error ? true : undefined}
          value={m.role}
          disabled={allowed.length === 0}
          aria-busy={busy || undefined}
          onChange={(e) => void change(e.currentTarget)}
        >
          {ROLES.map((r) => (
            <option key={r} value={r} disabled={r !== m.role && !allowed.includes(r)}>
              {ROLE_LABEL[r]}
            </option>
          ))}
        </select>
        {error && <p class="error row-error" id={errorId} role="alert">{error}</p>}
      </td>
    </tr>
  );
}

/** The workspace's members and their roles; owners and admins change them here. */
export function MembersTab(): JSX.Element | null {
  const w = workspace.value;
  const [q, setQ] = useState("");
  useEffect(() => {
    if (w) void loadWorkspaceMembers(w.id);
  }, [w?.id]);
  if (!w) return null;
  const p = workspaceMembers.value;
  const needle = q.trim().toLowerCase();
  const order = (r: WorkspaceRole) => ROLES.indexOf(r);
  const list = p.items
    .filter((m) =>
      !needle || displayName(m.user_id).toLowerCase().includes(needle) ||
      username(m.user_id).toLowerCase().includes(needle)
    )
    .sort((a, b) =>
      order(a.role) - order(b.role) || displayName(a.user_id).localeCompare(displayName(b.user_id))
    );
  return (
    <section class="admin-card" aria-labelledby="member-list">
      <header class="card-head">
        <h2 id="member-list">
          Members of {w.name} <span class="muted">· {p.items.length}</span>
        </h2>
        <label class="field inline">
          <span class="sr-only">Filter members</span>
          <input
            type="search"
            placeholder="Filter by name"
            value={q}
            onInput={(e) => setQ(e.currentTarget.value)}
          />
        </label>
      </header>
      <p class="muted hint">
        Owners and admins manage the workspace; only owners make or unmake owners, and a workspace
        keeps at least one owner.{workspaces.value.length > 1
          ? " Switch workspace in the sidebar to manage another."
          : ""}
      </p>
      {p.error && <p class="error" role="alert">{p.error}</p>}
      <div class="table-wrap">
        <table class="admin-table">
          <thead>
            <tr>
              <th scope="col">Person</th>
              <th scope="col">Joined</th>
              <th scope="col">Role</th>
            </tr>
          </thead>
          <tbody>
            {list.map((m) => <MemberRow key={m.user_id} m={m} />)}
          </tbody>
        </table>
      </div>
      {p.loading && <p class="loading" role="status">Loading…</p>}
    </section>
  );
}
