import type { JSX } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { endpoints } from "../api/endpoints.ts";
import { applyMessages, closeThread, flashed, focusTargets, thread } from "../state/messages.ts";
import { isModerator } from "../state/moderation.ts";
import { attempt, search } from "../state/ui.ts";
import { conversationName } from "../state/workspace.ts";
import { addUploads } from "../state/uploads.ts";
import { Composer } from "./Composer.tsx";
import { DropOverlay, useFileDrop } from "./FileDrop.tsx";
import { dayKey } from "./format.ts";
import { MessageItem } from "./MessageItem.tsx";
import { bringIntoView, MessageRows } from "./MessageList.tsx";

/** The thread beside the conversation: the parent, its replies oldest first, and a reply box. */
export function ThreadPanel({ readOnly }: { readOnly: boolean }): JSX.Element | null {
  const t = thread.value;
  const listRef = useRef<HTMLDivElement>(null);
  const count = t?.replies.length ?? 0;
  useEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count, t?.parentId]);
  // A search hit that is a reply: scrolled to once the replies are here.
  const targets = focusTargets.value;
  useEffect(() => {
    if (targets.size) bringIntoView(listRef.current, flashed.peek());
  }, [targets, t?.replies]);
  const locked = !!t?.parent?.thread_locked_at;
  const writable = !!t && !readOnly && !t.parent?.deleted_at && !locked;
  const drop = useFileDrop(writable, (files) => {
    if (t) addUploads(t.conv, t.parentId, files);
  });
  if (!t) return null;
  return (
    <aside class="side-panel thread" aria-label="Thread" {...drop.handlers}>
      {drop.dragging && <DropOverlay target="the thread" />}
      <header class="panel-head">
        {search.value && (
          <button
            type="button"
            class="icon-button back"
            aria-label="Back to search results"
            title="Back to search results"
            onClick={closeThread}
          >
            ←
          </button>
        )}
        <div class="panel-title">
          <h2>Thread</h2>
          <span class="muted">{conversationName(t.conv)}</span>
        </div>
        <button type="button" class="icon-button" aria-label="Close thread" onClick={closeThread}>
          ✕
        </button>
      </header>
      <div ref={listRef} class="thread-body" role="log" aria-label="Thread replies">
        {t.parent && <MessageItem m={t.parent} grouped={false} inThread />}
        <div class="reply-count" role="separator">
          <span>
            {t.replies.length === 1 ? "1 reply" : `${t.replies.length} replies`}
          </span>
        </div>
        {t.loading && <p class="loading">Loading replies…</p>}
        {t.error && <p class="error" role="alert">{t.error}</p>}
        <MessageRows
          messages={t.replies}
          inThread
          afterDay={t.parent ? dayKey(t.parent.created_at) : undefined}
        />
      </div>
      {locked && !t.parent?.deleted_at && (
        <div class="notice-bar locked" role="status">
          <span>
            <span aria-hidden="true">🔒</span> Thread locked: a moderator closed it to new replies.
          </span>
          {isModerator.value && (
            <button
              type="button"
              class="button"
              onClick={() =>
                attempt(async () => applyMessages([await endpoints.unlockThread(t.parentId)]))}
            >
              Unlock
            </button>
          )}
        </div>
      )}
      {writable && (
        <Composer
          conv={t.conv}
          parentId={t.parentId}
          label="Reply in thread"
          placeholder="Reply…"
          ownMessages={() => thread.value?.replies ?? []}
          autoFocus
        />
      )}
    </aside>
  );
}
