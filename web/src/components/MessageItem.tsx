import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import {
  discardSend,
  editMessage,
  flashed,
  openThread,
  retrySend,
  toggleReaction,
} from "../state/messages.ts";
import { me } from "../state/session.ts";
import { isLocal, type LocalMessage } from "../state/timeline.ts";
import { attempt, dialog, editing, focusComposer } from "../state/ui.ts";
import { activeStatus, displayName, users } from "../state/users.ts";
import { currentChannel } from "../state/workspace.ts";
import { Avatar } from "./Avatar.tsx";
import { Attachments } from "./Files.tsx";
import { formatFull, formatTime } from "./format.ts";
import { Markdown } from "./Markdown.tsx";
import { menuItems, MessageMenu } from "./MessageMenu.tsx";
import { isModerator } from "../state/moderation.ts";
import { ReactionBar, ReactionPicker } from "./Reactions.tsx";

function EditBox({ m }: { m: LocalMessage }) {
  const [text, setText] = useState(m.content);
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = ref.current!;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  const done = () => {
    editing.value = null;
    focusComposer.value++;
  };
  const save = async () => {
    const content = text.trim();
    if (!content || busy) return;
    if (content === m.content) return done();
    setBusy(true);
    if (await attempt(() => editMessage(m, content))) done();
    else setBusy(false);
  };
  return (
    <div class="edit-box">
      <textarea
        ref={ref}
        aria-label="Edit message"
        value={text}
        rows={Math.min(8, text.split("\n").length + 1)}
        onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void save();
          } else if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            done();
          }
        }}
      />
      <div class="edit-actions">
        <span class="hint">Enter to save · Escape to cancel</span>
        <button type="button" class="button" onClick={done}>Cancel</button>
        <button type="button" class="button primary" disabled={busy} onClick={save}>Save</button>
      </div>
    </div>
  );
}

/**
 * One message: author and time (unless grouped with the one before), the rendered body or a
 * tombstone, the edited marker, its files (none on a tombstone), reactions, the thread link, and actions on hover or focus.
 */
export function MessageItem(
  { m, grouped, inThread }: { m: LocalMessage; grouped: boolean; inThread?: boolean },
): JSX.Element {
  const [picking, setPicking] = useState(false);
  const [menu, setMenu] = useState(false);
  const uid = me.value?.id;
  const mine = m.user_id === uid;
  const local = isLocal(m);
  const deleted = !!m.deleted_at;
  const isEditing = editing.value === m.id;
  // Who may delete others' messages: moderators anywhere, a channel's owners and admins in it.
  const ch = currentChannel.value;
  const moderator = me.value?.roles.includes("moderator") ||
    (ch?.id === m.channel_id && (ch?.role === "owner" || ch?.role === "admin"));
  const status = activeStatus(users.value[m.user_id]);
  const hasMenu = menuItems(m, { mine, moderator: isModerator.value, inThread: !!inThread })
    .length > 0;
  const react = (emoji: string) => void attempt(() => toggleReaction(m, emoji));
  const cls = [
    "msg",
    grouped && "grouped",
    mine && "mine",
    m.local?.state,
    deleted && "deleted",
    isEditing && "editing",
    flashed.value === m.id && "flash",
  ].filter(Boolean).join(" ");

  return (
    <article
      class={cls}
      data-id={m.id}
      tabIndex={-1}
      aria-label={`${displayName(m.user_id)}, ${formatTime(m.created_at)}`}
    >
      <div class="msg-gutter">
        {grouped
          ? (
            <time class="hover-time" dateTime={m.created_at} title={formatFull(m.created_at)}>
              {formatTime(m.created_at)}
            </time>
          )
          : <Avatar userId={m.user_id} />}
      </div>
      <div class="msg-main">
        {!grouped && (
          <header class="msg-head">
            <span class="author">{displayName(m.user_id)}</span>
            {status?.status_emoji && (
              <span class="status-emoji" title={status.status_text}>{status.status_emoji}</span>
            )}
            <time dateTime={m.created_at} title={formatFull(m.created_at)}>
              {formatTime(m.created_at)}
            </time>
          </header>
        )}
        {deleted
          ? <p class="tombstone">This message was deleted.</p>
          : isEditing
          ? <EditBox m={m} />
          : (m.content || m.edited_at || !m.files?.length) && (
            <div class="msg-content">
              <Markdown text={m.content} />
              {m.edited_at && (
                <span class="edited" title={`Edited ${formatFull(m.edited_at)}`}>(edited)</span>
              )}
            </div>
          )}
        {!deleted && <Attachments files={m.files ?? []} />}
        {m.local?.state === "pending" && <p class="sending" role="status">Sending…</p>}
        {m.local?.state === "failed" && (
          <p class="send-failed" role="alert">
            Not sent{m.local.error ? `: ${m.local.error}` : ""}.{" "}
            <button type="button" class="link" onClick={() => retrySend(m.client_msg_id!)}>
              Retry
            </button>{" "}
            <button type="button" class="link" onClick={() => discardSend(m.client_msg_id!)}>
              Discard
            </button>
          </p>
        )}
        {!deleted && <ReactionBar reactions={m.reactions} onToggle={react} />}
        {!inThread && m.reply_count > 0 && (
          <button
            type="button"
            class="thread-link"
            onClick={() => openThread(m)}
          >
            {m.reply_count === 1 ? "1 reply" : `${m.reply_count} replies`}
            {m.last_reply_at && <span class="muted">Last reply {formatTime(m.last_reply_at)}</span>}
            {m.thread_locked_at && <span class="muted">🔒 Locked</span>}
          </button>
        )}
      </div>
      {!local && !deleted && !isEditing && (
        <div
          class={`msg-actions${picking || menu ? " open" : ""}`}
          role="toolbar"
          aria-label="Message actions"
        >
          <button
            type="button"
            class="icon-button"
            aria-label="Add reaction"
            title="Add reaction"
            aria-expanded={picking}
            onClick={() => setPicking(!picking)}
          >
            ☺
          </button>
          {!inThread && (
            <button
              type="button"
              class="icon-button"
              aria-label="Reply in thread"
              title="Reply in thread"
              onClick={() => openThread(m)}
            >
              💬
            </button>
          )}
          {mine && (
            <button
              type="button"
              class="icon-button"
              aria-label="Edit message"
              title="Edit"
              onClick={() => (editing.value = m.id)}
            >
              ✎
            </button>
          )}
          {(mine || moderator) && (
            <button
              type="button"
              class="icon-button danger"
              aria-label="Delete message"
              title="Delete"
              onClick={() => (dialog.value = { kind: "confirm-delete", message: m })}
            >
              🗑
            </button>
          )}
          {hasMenu && (
            <button
              type="button"
              class="icon-button"
              aria-label="More actions"
              title="More actions"
              aria-haspopup="menu"
              aria-expanded={menu}
              data-menu-toggle
              onClick={() => setMenu(!menu)}
            >
              ⋯
            </button>
          )}
          {picking && <ReactionPicker onPick={react} onClose={() => setPicking(false)} />}
          {menu && <MessageMenu m={m} inThread={!!inThread} onClose={() => setMenu(false)} />}
        </div>
      )}
    </article>
  );
}
