import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { ApiError } from "../../api/client.ts";
import { endpoints, type ModerationActionRecord } from "../../api/endpoints.ts";
import {
  actionBody,
  type ActionForm as Form,
  DURATIONS,
  lasts,
  type Scope,
  scopesFor,
} from "../../state/admin.ts";
import { formatWhen } from "../../state/moderation.ts";
import { showNotice } from "../../state/ui.ts";
import { displayName } from "../../state/users.ts";
import { channels, workspace } from "../../state/workspace.ts";
import { UserPicker } from "./UserPicker.tsx";

const TYPES: { type: Form["type"]; label: string; hint: string }[] = [
  { type: "warn", label: "Warn", hint: "They see your reason; nothing else happens." },
  { type: "mute", label: "Mute", hint: "Their messages are refused where the mute applies." },
  { type: "kick", label: "Kick", hint: "Removed from the channel or the workspace." },
  { type: "ban", label: "Ban", hint: "Signed out everywhere; they cannot sign in." },
];
const SCOPE_LABEL: Record<Scope, string> = {
  channel: "A channel",
  workspace: "The whole workspace",
  everywhere: "Everywhere",
};
const VERB: Record<Form["type"], string> = {
  warn: "Warn",
  mute: "Mute",
  kick: "Kick",
  ban: "Ban",
};

export function defaultForm(over: Partial<Form> = {}): Form {
  return {
    type: "warn",
    targetId: "",
    reason: "",
    scope: "workspace",
    channelId: channels.value.find((c) => c.is_default)?.id ?? channels.value[0]?.id ?? "",
    workspaceId: workspace.value?.id ?? "",
    seconds: 86_400,
    ...over,
  };
}

function done(a: ModerationActionRecord): string {
  const who = displayName(a.target_user_id);
  const until = a.expires_at ? ` until ${formatWhen(a.expires_at)}` : "";
  switch (a.action_type) {
    case "warn":
      return `${who} was warned.`;
    case "mute":
      return `${who} is muted${until}.`;
    case "kick":
      return `${who} was removed.`;
    case "ban":
      return `${who} is banned${until}.`;
  }
}

/** Warn, mute, kick or ban someone: who, where, for how long, and why (they are told why). */
export function ActionForm(
  { initial, onDone, onCancel }: {
    initial?: Partial<Form>;
    onDone: (a: ModerationActionRecord) => void;
    onCancel?: () => void;
  },
): JSX.Element {
  const [f, setF] = useState<Form>(() => defaultForm(initial));
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<Form>) => {
    setF({ ...f, ...patch });
    setError("");
  };
  const scopes = scopesFor(f.type);
  const scope = scopes.includes(f.scope) ? f.scope : scopes[0] ?? f.scope;
  const list = channels.value.filter((c) => !c.archived_at).sort((a, b) =>
    a.name.localeCompare(b.name)
  );
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const r = actionBody({ ...f, scope });
    if (r.error !== undefined) return setError(r.error);
    setBusy(true);
    try {
      const a = await endpoints.takeAction(r.body);
      showNotice(done(a));
      setF(defaultForm({ type: f.type }));
      onDone(a);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form action-form" onSubmit={submit} aria-label="Take a moderation action">
      <fieldset class="segmented">
        <legend>Action</legend>
        {TYPES.map((t) => (
          <label key={t.type} class={f.type === t.type ? "on" : ""}>
            <input
              type="radio"
              name="action-type"
              value={t.type}
              checked={f.type === t.type}
              onChange={() => set({ type: t.type })}
            />
            {t.label}
          </label>
        ))}
      </fieldset>
      <p class="hint muted">{TYPES.find((t) => t.type === f.type)!.hint}</p>
      <UserPicker label="Person" value={f.targetId} onChange={(id) => set({ targetId: id })} />
      {scopes.length > 0 && (
        <fieldset class="choices">
          <legend>Where</legend>
          {scopes.map((s) => (
            <label key={s} class="check">
              <input
                type="radio"
                name="action-scope"
                checked={scope === s}
                onChange={() => set({ scope: s })}
              />
              <span>
                {s === "workspace" && workspace.value
                  ? `${SCOPE_LABEL[s]} (${workspace.value.name})`
                  : SCOPE_LABEL[s]}
              </span>
            </label>
          ))}
          {scope === "channel" && (
            <label class="field">
              <span class="sr-only">Channel</span>
              <select
                value={f.channelId}
                onChange={(e) => set({ channelId: e.currentTarget.value })}
              >
                {list.map((c) => <option key={c.id} value={c.id}>#{c.name}</option>)}
              </select>
            </label>
          )}
        </fieldset>
      )}
      {lasts(f.type) && (
        <fieldset class="segmented">
          <legend>For how long</legend>
          {DURATIONS.map((d) => (
            <label key={d.label} class={f.seconds === d.seconds ? "on" : ""}>
              <input
                type="radio"
                name="action-duration"
                checked={f.seconds === d.seconds}
                onChange={() => set({ seconds: d.seconds })}
              />
              {d.label}
            </label>
          ))}
        </fieldset>
      )}
      <label class="field">
        <span>Reason</span>
        <textarea
          rows={2}
          maxLength={1000}
          value={f.reason}
          placeholder="They are told this"
          onInput={(e) => set({ reason: e.currentTarget.value })}
        />
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="dialog-actions">
        {onCancel && <button type="button" class="button" onClick={onCancel}>Cancel</button>}
        <button
          type="submit"
          class={`button ${f.type === "warn" ? "primary" : "danger"}`}
          disabled={busy}
        >
          {VERB[f.type]}
          {f.targetId ? ` ${displayName(f.targetId)}` : ""}
        </button>
      </div>
    </form>
  );
}
