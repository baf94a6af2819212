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
import { Dialog } from "../Dialog.tsx";
import { ActionForm } from "./ActionForm.tsx";
import { LoadMore, Segmented } from "./parts.tsx";

const STATUS_LABEL = {
  active: "In force",
  revoked: "Undone",
  expired: "Ran out",
  done: "Done",
};

function where(a: ModerationActionRecord): string {
  if (a.channel_id) {
    const ch = channels.value.find((c) => c.id === a.channel_id);
    return ch ? `#${ch.name}` : "a channel";
  }
  if (a.workspace_id) {
    return workspaces.value.find((w) => w.id === a.workspace_id)?.name ?? "a workspace";
  }
  return a.action_type === "warn" ? "" : "Everywhere";
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
        {where(a) && <span class="sub">{where(a)}</span>}
      </td>
      <td class="person">
        <Avatar userId={a.target_user_id} small />
        <span>{displayName(a.target_user_id)}</span>
      </td>
      <td class="reason">{a.reason}</td>
      <td>
        {displayName(a.actor_id)}
        <time class="sub" dateTime={a.created_at}>{formatWhen(a.created_at)}</time>
      </td>
      <td>
        <span class={`state state-${status}`}>
          {STATUS_LABEL[status]}
          {status === "revoked" && a.revoked_by ? ` by ${displayName(a.revoked_by)}` : ""}
        </span>
        {(a.action_type === "mute" || a.action_type === "ban") && (
          <span class="sub">
            {a.expires_at
              ? `${status === "active" ? "until" : "was until"} ${formatWhen(a.expires_at)}`
              : "until undone"}
          </span>
        )}
      </td>
      <td class="row-actions">
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

/** The actions taken (in force, or all) with undo for mutes and bans, and a form for a new one. */
export function ActionsTab(): JSX.Element {
  const p = actions.value;
  const [taking, setTaking] = useState(false);
  useEffect(() => {
    void loadActions();
  }, [actionsActiveOnly.value]);
  return (
    <section class="admin-card" aria-labelledby="action-list">
      <header class="card-head">
        <h2 id="action-list">Moderation actions</h2>
        <div class="head-tools">
          <Segmented
            label="Show"
            value={actionsActiveOnly.value ? "active" : "all"}
            options={[{ value: "active", label: "In force" }, { value: "all", label: "All" }]}
            onChange={(v) => (actionsActiveOnly.value = v === "active")}
          />
          <button type="button" class="button primary" onClick={() => setTaking(true)}>
            Take an action
          </button>
        </div>
      </header>
      {p.error && <p class="error" role="alert">{p.error}</p>}
      <div class="table-wrap">
        <table class="admin-table">
          <thead>
            <tr>
              <th scope="col">Action</th>
              <th scope="col">Person</th>
              <th scope="col">Reason</th>
              <th scope="col">By</th>
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
      {taking && (
        <Dialog title="Take an action" onClose={() => setTaking(false)}>
          <ActionForm
            onDone={() => {
              setTaking(false);
              void loadActions();
            }}
            onCancel={() => setTaking(false)}
          />
        </Dialog>
      )}
    </section>
  );
}
