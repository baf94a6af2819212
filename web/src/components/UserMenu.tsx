import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { endpoints } from "../api/endpoints.ts";
import { me, myProfile, signOut } from "../state/session.ts";
import { attempt, dialog } from "../state/ui.ts";
import { activeStatus, rememberUsers } from "../state/users.ts";
import { myPresence } from "../state/presence.ts";
import { sendPresence } from "../realtime/mod.ts";
import { Avatar } from "./Avatar.tsx";
import { Dialog } from "./Dialog.tsx";

export function UserMenu(): JSX.Element | null {
  const [open, setOpen] = useState(false);
  const u = me.value;
  if (!u) return null;
  const status = activeStatus(myProfile.value);
  const close = () => setOpen(false);
  return (
    <div class="user-menu">
      <button
        type="button"
        class="user-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={`Account: ${u.display_name ?? u.username}`}
        onClick={() => setOpen(!open)}
      >
        <Avatar userId={u.id} small />
        <span class="user-names">
          <span class="name">{u.display_name ?? u.username}</span>
          <span class="muted status-line">
            {status ? `${status.status_emoji} ${status.status_text}`.trim() : `@${u.username}`}
          </span>
        </span>
      </button>
      {open && (
        <ul
          class="menu up"
          role="menu"
          aria-label="Account"
          onKeyDown={(e) => e.key === "Escape" && close()}
        >
          <li role="none">
            <button
              type="button"
              role="menuitem"
              onClick={() => {
                close();
                dialog.value = { kind: "status" };
              }}
            >
              {status ? "Change status" : "Set a status"}
            </button>
          </li>
          <li role="none">
            <button
              type="button"
              role="menuitem"
              onClick={() => {
                close();
                sendPresence(myPresence.value === "away" ? "online" : "away");
              }}
            >
              {myPresence.value === "away" ? "Set yourself as active" : "Set yourself as away"}
            </button>
          </li>
          <li role="none">
            <button type="button" role="menuitem" onClick={() => void signOut()}>
              Sign out
            </button>
          </li>
        </ul>
      )}
    </div>
  );
}

const EXPIRIES: { label: string; ms: number | null }[] = [
  { label: "Don't clear", ms: null },
  { label: "30 minutes", ms: 30 * 60_000 },
  { label: "1 hour", ms: 60 * 60_000 },
  { label: "4 hours", ms: 4 * 60 * 60_000 },
  { label: "Today", ms: -1 },
  { label: "This week", ms: 7 * 24 * 60 * 60_000 },
];
const QUICK = [
  { emoji: "📅", text: "In a meeting" },
  { emoji: "🚌", text: "Commuting" },
  { emoji: "🤒", text: "Out sick" },
  { emoji: "🌴", text: "Vacationing" },
  { emoji: "🏠", text: "Working remotely" },
];

function expiryAt(ms: number | null): string | null {
  if (ms === null) return null;
  if (ms === -1) {
    const end = new Date();
    end.setHours(23, 59, 59, 0);
    return end.toISOString();
  }
  return new Date(Date.now() + ms).toISOString();
}

/** Status text, emoji and when it clears itself (PUT /me/status). */
export function StatusDialog({ onClose }: { onClose: () => void }): JSX.Element {
  const s = activeStatus(myProfile.value);
  const [emoji, setEmoji] = useState(s?.status_emoji ?? "");
  const [text, setText] = useState(s?.status_text ?? "");
  const [expiry, setExpiry] = useState(0);
  const [busy, setBusy] = useState(false);
  const save = async (clear: boolean) => {
    setBusy(true);
    const ok = await attempt(async () => {
      const p = await endpoints.setStatus(
        clear ? { status_text: "", status_emoji: "", status_expiry: null } : {
          status_text: text.trim(),
          status_emoji: emoji.trim(),
          status_expiry: expiryAt(EXPIRIES[expiry]!.ms),
        },
      );
      myProfile.value = p;
      rememberUsers([p]);
    });
    setBusy(false);
    if (ok) onClose();
  };
  return (
    <Dialog title="Set a status" onClose={onClose}>
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          void save(false);
        }}
      >
        <div class="status-row">
          <label class="field emoji-field">
            <span>Emoji</span>
            <input value={emoji} maxLength={16} onInput={(e) => setEmoji(e.currentTarget.value)} />
          </label>
          <label class="field grow">
            <span>What's your status?</span>
            <input
              data-autofocus
              value={text}
              maxLength={140}
              onInput={(e) => setText(e.currentTarget.value)}
            />
          </label>
        </div>
        <div class="quick-status">
          {QUICK.map((q) => (
            <button
              key={q.text}
              type="button"
              class="chip"
              onClick={() => {
                setEmoji(q.emoji);
                setText(q.text);
              }}
            >
              {q.emoji} {q.text}
            </button>
          ))}
        </div>
        <label class="field">
          <span>Clear after</span>
          <select value={String(expiry)} onChange={(e) => setExpiry(Number(e.currentTarget.value))}>
            {EXPIRIES.map((x, i) => <option key={x.label} value={String(i)}>{x.label}</option>)}
          </select>
        </label>
        <div class="dialog-actions">
          {s && (
            <button
              type="button"
              class="button"
              disabled={busy}
              onClick={() => void save(true)}
            >
              Clear status
            </button>
          )}
          <button type="submit" class="button primary" disabled={busy}>Save</button>
        </div>
      </form>
    </Dialog>
  );
}
