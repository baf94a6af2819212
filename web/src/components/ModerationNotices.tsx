import type { JSX } from "preact";
import type { ConvRef } from "../api/endpoints.ts";
import {
  describeModeration,
  formatWhen,
  localizeTimes,
  moderationBanner,
  muteIn,
} from "../state/moderation.ts";
import { banNotice } from "../state/session.ts";
import { displayName } from "../state/users.ts";
import { channels, workspace, workspaces } from "../state/workspace.ts";

function placeNames(e: { channel_id?: string | null; workspace_id?: string | null }) {
  const ch = e.channel_id ? channels.value.find((c) => c.id === e.channel_id) : undefined;
  const w = e.workspace_id ? workspaces.value.find((x) => x.id === e.workspace_id) : undefined;
  return { channel: ch ? `#${ch.name}` : undefined, workspace: w?.name };
}

/** What a moderator just did about the signed-in person, at the top of the app until dismissed. */
export function ModerationBanner(): JSX.Element | null {
  const e = moderationBanner.value;
  if (!e) return null;
  const words = describeModeration(e, { moderator: displayName(e.moderator_id), ...placeNames(e) });
  return (
    <div class={`mod-banner ${words.tone}`} role="alert">
      <span class="mod-icon" aria-hidden="true">
        {e.lifted ? "✓" : e.action_type === "warn" ? "⚠" : e.action_type === "mute" ? "🔇" : "⛔"}
      </span>
      <p>
        <strong>{words.title}</strong>
        {words.detail && <span class="mod-detail">{words.detail}</span>}
      </p>
      <button
        type="button"
        class="icon-button"
        aria-label="Dismiss"
        onClick={() => (moderationBanner.value = null)}
      >
        ✕
      </button>
    </div>
  );
}

/** Above a composer whose sends are refused: the server's words, or the mute we were told of. */
export function MuteNotice({ conv }: { conv: ConvRef }): JSX.Element | null {
  const m = muteIn(conv);
  if (!m) return null;
  const where = m.channelId
    ? "in this channel"
    : m.workspaceId
    ? `in ${workspace.value?.name ?? "this workspace"}`
    : "everywhere";
  const text = m.message
    ? localizeTimes(m.message)
    : `You are muted ${where} ${
      m.expiresAt ? `until ${formatWhen(m.expiresAt)}` : "until a moderator lifts it"
    }`;
  return (
    <p class="composer-notice" role="status">
      <span aria-hidden="true">🔇</span> {text}. Messages you send{" "}
      {m.expiresAt ? "before then " : ""}
      are not delivered.
    </p>
  );
}

/** On the sign-in screen after a ban ended the session. */
export function BanNotice(): JSX.Element | null {
  const b = banNotice.value;
  if (!b) return null;
  return (
    <div class="ban-notice" role="alert">
      <strong>
        Your account has been banned{b.until ? ` until ${formatWhen(b.until)}` : ""}.
      </strong>
      {b.reason && <span>Reason: {b.reason}</span>}
      <span class="muted">Signing in works again once the ban is lifted.</span>
    </div>
  );
}
