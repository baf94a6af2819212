import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { endpoints, type ModerationActionRecord } from "../../api/endpoints.ts";
import {
  actions,
  actionsActiveOnly,
  actionStatus,
  loadActions,
  replaceItem,
} from "../../state/admin.ts";
import { formatWhen } from "../../state/moderation.ts";
import { attempt, showNotice } from "../../state/ui.ts";
import { displayName } from "../../state/users.ts";
import { channels, workspaces } from "../../state/workspace.ts";
import { Avatar } from "../Avatar.tsx";
import { ActionForm } from "./ActionForm.tsx";
import { LoadMore, Segmented } from "./parts.tsx";

const STATUS_LABEL = {
  active: "In force",
  revoked: "Undone",
  expired: "Ran out",
  done: "—",
};

function where(a: ModerationActionRecord): string {
  if (a.channel_id) {
    const ch = channels.value.find((c) => c.id === a.channel_id);
    return ch ? `#${ch.name}` : "a channel";
  }
  if (a.workspace_id) {
    return workspaces.value.find((w) => w.id === a.workspace_id)?.name ?? "a workspace";
  }
  return a.action_type === "warn" ? "—" : "Everywhere";
}

function Row({ a }: { a: ModerationActionRecord }) {
  const [busy, setBusy] = useState(false);
  const status = actionStatus(a);
  const undo = async () => {
    setBusy(true);
    const ok = await attempt(async () => {
      const undone = await endpoints.undoAction(a.id);
      showNotice(
        `${displayName(a.target_user_id)} is no longer ${
          a.action_type === "ban" ? "banned" : "muted"
        }.`,
      );
      if (actionsActiveOnly.value) {
        actions.value = {
          ...actions.value,
          items: actions.value.items.filter((x) => x.id !== a.id),
        };
      } else replaceItem(actions, undone);
    });
    if (!ok) setBusy(false);
  };
  return (
    <tr>
      <td>
        <span class={`kind kind-${a.action_type}`}>{a.action_type}</span>
      </td>
      <td class="person">
        <Avatar userId={a.target_user_id} small />
        <span>{displayName(a.target_user_id)}</span>
      </td>
      <td>{where(a)}</td>
      <td class="reason">{a.reason}</td>
      <td>{displayName(a.actor_id)}</td>
      <td>
        <time dateTime={a.created_at}>{formatWhen(a.created_at)}</time>
      </td>
      <td>
        {a.action_type === "mute" || a.action_type === "ban"
          ? (a.expires_at ? formatWhen(a.expires_at) : "Until undone")
          : "—"}
      </td>
      <td>
        <span class={`state state-${status}`}>
          {STATUS_LABEL[status]}
          {status === "revoked" && a.revoked_by ? ` by ${displayName(a.revoked_by)}` : ""}
        </span>
      </td>
      <td>
        {status === "active" && (
          <button
            type="button"
            class="button small"
            disabled={busy}
            aria-label={`Undo ${a.action_type} of ${displayName(a.target_user_id)}`}
            onClick={() => void undo()}
          >
            Undo
          </button>
        )}
      </td>
    </tr>
  );
}

/** Take an action, and the list of those taken (in force, or all), with undo for mutes and bans. */
export function ActionsTab(): JSX.Element {
  const p = actions.value;
  useEffect(() => {
    void loadActions();
  }, [actionsActiveOnly.value]);
  return (
    <div class="admin-split">
      <section class="admin-card" aria-labelledby="take-action">
        <h2 id="take-action">Take an action</h2>
        <ActionForm onDone={() => void loadActions()} />
      </section>
      <section class="admin-card grow" aria-labelledby="action-list">
        <header class="card-head">
          <h2 id="action-list">Moderation actions</h2>
          <Segmented
            label="Show"
            value={actionsActiveOnly.value ? "active" : "all"}
            options={[{ value: "active", label: "In force" }, { value: "all", label: "All" }]}
            onChange={(v) => (actionsActiveOnly.value = v === "active")}
          />
        </header>
        {p.error && <p class="error" role="alert">{p.error}</p>}
        <div class="table-wrap">
          <table class="admin-table">
            <thead>
              <tr>
                <th scope="col">Action</th>
                <th scope="col">Person</th>
                <th scope="col">Where</th>
                <th scope="col">Reason</th>
                <th scope="col">By</th>
                <th scope="col">When</th>
                <th scope="col">Until</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="sr-only">Undo</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {p.items.map((a) => <Row key={a.id} a={a} />)}
            </tbody>
          </table>
        </div>
        {p.loaded && !p.items.length && !p.error && (
          <p class="empty-note muted">
            {actionsActiveOnly.value ? "No mute or ban is in force." : "No actions yet."}
          </p>
        )}
        <LoadMore page={p} onMore={() => void loadActions(true)} />
      </section>
    </div>
  );
}
