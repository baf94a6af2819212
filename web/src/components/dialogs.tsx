import type { JSX } from "preact";
import { useEffect, useId, useState } from "preact/hooks";
import { ApiError } from "../api/client.ts";
import { endpoints, type UserProfile } from "../api/endpoints.ts";
import { loadMembers, members } from "../state/members.ts";
import { deleteMessage } from "../state/messages.ts";
import { me } from "../state/session.ts";
import type { LocalMessage } from "../state/timeline.ts";
import { attempt, focusComposer, showNotice } from "../state/ui.ts";
import { displayName, rememberUsers } from "../state/users.ts";
import {
  channels,
  currentChannel,
  open,
  refreshChannels,
  refreshDms,
  workspace,
} from "../state/workspace.ts";
import { Avatar } from "./Avatar.tsx";
import { Dialog } from "./Dialog.tsx";

const messageOf = (e: unknown) =>
  e instanceof ApiError ? e.message : (e as Error).message || "Something went wrong";

export function CreateChannelDialog({ onClose }: { onClose: () => void }): JSX.Element {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [isPrivate, setPrivate] = useState(false);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const w = workspace.value;
    if (!w || busy) return;
    setBusy(true);
    setError("");
    try {
      const ch = await endpoints.createChannel(w.id, {
        name: name.trim(),
        description: description.trim(),
        is_private: isPrivate,
      });
      await refreshChannels();
      onClose();
      open({ kind: "channel", id: ch.id });
      focusComposer.value++;
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };
  return (
    <Dialog title="Create a channel" onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <label class="field">
          <span>Name</span>
          <input
            data-autofocus
            required
            maxLength={80}
            value={name}
            placeholder="e.g. plan-budget"
            onInput={(e) => setName(e.currentTarget.value)}
          />
          <small class="muted">Lowercase letters, digits, - and _. Spaces become -.</small>
        </label>
        <label class="field">
          <span>
            Description <span class="muted">(optional)</span>
          </span>
          <input
            maxLength={250}
            value={description}
            onInput={(e) => setDescription(e.currentTarget.value)}
          />
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={isPrivate}
            onChange={(e) => setPrivate(e.currentTarget.checked)}
          />
          <span>
            Make private <span class="muted">— only people you add can see it</span>
          </span>
        </label>
        {error && <p class="error" role="alert">{error}</p>}
        <div class="dialog-actions">
          <button type="button" class="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="button primary" disabled={busy || !name.trim()}>
            Create
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function BrowseChannelsDialog({ onClose }: { onClose: () => void }): JSX.Element {
  const [q, setQ] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  useEffect(() => {
    void refreshChannels().catch(() => {});
  }, []);
  const list = channels.value
    .filter((c) => !c.is_private || c.role !== null)
    .filter((c) => c.name.includes(q.trim().toLowerCase()))
    .sort((a, b) => a.name.localeCompare(b.name));
  const join = async (id: string) => {
    setBusy(id);
    const ok = await attempt(async () => {
      await endpoints.joinChannel(id);
      await refreshChannels();
    });
    setBusy(null);
    if (ok) {
      onClose();
      open({ kind: "channel", id });
      focusComposer.value++;
    }
  };
  return (
    <Dialog title="Browse channels" onClose={onClose} wide>
      <label class="field">
        <span class="sr-only">Search channels</span>
        <input
          data-autofocus
          type="search"
          placeholder="Search channels"
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
        />
      </label>
      <ul class="pick-list">
        {list.map((c) => (
          <li key={c.id} class={c.archived_at ? "archived" : ""}>
            <button
              type="button"
              class="pick-main"
              onClick={() => {
                onClose();
                open({ kind: "channel", id: c.id });
              }}
            >
              <span class="name">{c.is_private ? "🔒" : "#"} {c.name}</span>
              <span class="muted">
                {c.member_count} member{c.member_count === 1 ? "" : "s"}
                {c.archived_at ? " · archived" : ""}
                {c.description ? ` · ${c.description}` : ""}
              </span>
            </button>
            {c.role !== null ? <span class="muted joined">Joined</span> : !c.archived_at && (
              <button
                type="button"
                class="button"
                disabled={busy === c.id}
                aria-label={`Join #${c.name}`}
                onClick={() => void join(c.id)}
              >
                Join
              </button>
            )}
          </li>
        ))}
        {!list.length && <li class="muted">No channels match.</li>}
      </ul>
    </Dialog>
  );
}

/** A directory search with results as buttons (people you share a workspace with). */
function PeopleSearch(
  { exclude, onPick, label }: {
    exclude: Set<string>;
    onPick: (u: UserProfile) => void;
    label: string;
  },
) {
  const [q, setQ] = useState("");
  const [found, setFound] = useState<UserProfile[]>([]);
  const listId = useId();
  useEffect(() => {
    const t = setTimeout(async () => {
      try {
        const { users } = await endpoints.users(q.trim(), 20);
        rememberUsers(users);
        setFound(users);
      } catch { /* the list stays as it was */ }
    }, 150);
    return () => clearTimeout(t);
  }, [q]);
  const shown = found.filter((u) => !exclude.has(u.id));
  return (
    <>
      <label class="field">
        <span class="sr-only">{label}</span>
        <input
          data-autofocus
          type="search"
          placeholder={label}
          value={q}
          aria-controls={listId}
          onInput={(e) => setQ(e.currentTarget.value)}
        />
      </label>
      <ul class="pick-list" id={listId}>
        {shown.map((u) => (
          <li key={u.id}>
            <button
              type="button"
              class="pick-main"
              onClick={() => {
                onPick(u);
                setQ("");
              }}
            >
              <Avatar userId={u.id} small />
              <span class="name">{u.display_name || u.username}</span>
              <span class="muted">@{u.username}</span>
            </button>
          </li>
        ))}
        {!shown.length && <li class="muted">Nobody found.</li>}
      </ul>
    </>
  );
}

export function AddMembersDialog({ onClose }: { onClose: () => void }): JSX.Element | null {
  const ch = currentChannel.value;
  const [added, setAdded] = useState<string[]>([]);
  const [error, setError] = useState("");
  useEffect(() => {
    if (ch) void loadMembers(ch.id).catch(() => {});
  }, [ch?.id]);
  if (!ch) return null;
  const exclude = new Set([...(members.value[ch.id] ?? []).map((m) => m.user_id), ...added]);
  const add = async (u: UserProfile) => {
    setError("");
    try {
      await endpoints.addMember(ch.id, u.id);
      setAdded([...added, u.id]);
      await Promise.all([loadMembers(ch.id), refreshChannels()]);
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <Dialog title={`Add people to #${ch.name}`} onClose={onClose}>
      <PeopleSearch exclude={exclude} onPick={add} label="Search people" />
      {added.length > 0 && (
        <p class="muted" role="status">Added: {added.map(displayName).join(", ")}</p>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      <div class="dialog-actions">
        <button type="button" class="button primary" onClick={onClose}>Done</button>
      </div>
    </Dialog>
  );
}

export function NewDmDialog({ onClose }: { onClose: () => void }): JSX.Element {
  const [picked, setPicked] = useState<UserProfile[]>([]);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const start = async () => {
    const w = workspace.value;
    if (!w || !picked.length) return;
    setBusy(true);
    try {
      const dm = await endpoints.openDm(w.id, picked.map((u) => u.id));
      await refreshDms();
      onClose();
      open({ kind: "dm", id: dm.id });
      focusComposer.value++;
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };
  const exclude = new Set([me.value?.id ?? "", ...picked.map((u) => u.id)]);
  return (
    <Dialog title="New direct message" onClose={onClose}>
      <div class="chips" aria-label="To">
        {picked.map((u) => (
          <button
            key={u.id}
            type="button"
            class="chip"
            aria-label={`Remove ${u.display_name || u.username}`}
            onClick={() => setPicked(picked.filter((p) => p.id !== u.id))}
          >
            {u.display_name || u.username} ✕
          </button>
        ))}
      </div>
      <PeopleSearch
        exclude={exclude}
        label="Find people"
        onPick={(u) => picked.length < 8 && setPicked([...picked, u])}
      />
      {error && <p class="error" role="alert">{error}</p>}
      <div class="dialog-actions">
        <button type="button" class="button" onClick={onClose}>Cancel</button>
        <button
          type="button"
          class="button primary"
          disabled={busy || !picked.length}
          onClick={() => void start()}
        >
          {picked.length > 1 ? "Start group conversation" : "Start conversation"}
        </button>
      </div>
    </Dialog>
  );
}

export function ConfirmDeleteDialog(
  { message, onClose }: { message: LocalMessage; onClose: () => void },
): JSX.Element {
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title="Delete message" onClose={onClose}>
      <p>Delete this message? Everyone will see that it was deleted; this cannot be undone.</p>
      <blockquote class="quote">{message.content.slice(0, 300)}</blockquote>
      <div class="dialog-actions">
        <button type="button" class="button" data-autofocus onClick={onClose}>Cancel</button>
        <button
          type="button"
          class="button danger"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            await attempt(() => deleteMessage(message));
            onClose();
          }}
        >
          Delete
        </button>
      </div>
    </Dialog>
  );
}

const REPORT_REASONS = ["Spam", "Harassment or abuse", "Hate speech", "Off-topic", "Other"];

/** Asks the moderators to look at a message (POST /messages/{id}/report), with a reason. */
export function ReportDialog(
  { message, onClose }: { message: LocalMessage; onClose: () => void },
): JSX.Element {
  const [kind, setKind] = useState("");
  const [details, setDetails] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const reason = [kind, details.trim()].filter(Boolean).join(": ");
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!reason || busy) return;
    setBusy(true);
    setError("");
    try {
      const { created } = await endpoints.reportMessage(message.id, reason.slice(0, 1000));
      onClose();
      showNotice(
        created
          ? "Thanks: the moderators will look at this message."
          : "You reported this message already; the moderators have it.",
      );
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };
  return (
    <Dialog title="Report message" onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <p class="muted">
          Only moderators see reports. {displayName(message.user_id)} is not told who reported it.
        </p>
        <blockquote class="quote">{message.content.slice(0, 300)}</blockquote>
        <fieldset class="choices">
          <legend>What is wrong with it?</legend>
          {REPORT_REASONS.map((r, i) => (
            <label key={r} class="check">
              <input
                type="radio"
                name="report-reason"
                value={r}
                data-autofocus={i === 0 ? true : undefined}
                checked={kind === r}
                onChange={() => setKind(r)}
              />
              <span>{r}</span>
            </label>
          ))}
        </fieldset>
        <label class="field">
          <span>
            Details <span class="muted">{kind === "Other" ? "" : "(optional)"}</span>
          </span>
          <textarea
            rows={3}
            maxLength={900}
            value={details}
            onInput={(e) => setDetails(e.currentTarget.value)}
          />
        </label>
        {error && <p class="error" role="alert">{error}</p>}
        <div class="dialog-actions">
          <button type="button" class="button" onClick={onClose}>Cancel</button>
          <button
            type="submit"
            class="button danger"
            disabled={busy || !kind || (kind === "Other" && !details.trim())}
          >
            Report
          </button>
        </div>
      </form>
    </Dialog>
  );
}
