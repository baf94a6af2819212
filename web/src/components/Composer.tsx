import type { JSX } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { type ConvRef, endpoints, type UserProfile } from "../api/endpoints.ts";
import { sendTyping } from "../realtime/mod.ts";
import { loadMembers, members } from "../state/members.ts";
import { sendMessage } from "../state/messages.ts";
import { me } from "../state/session.ts";
import type { LocalMessage } from "../state/timeline.ts";
import { editing, focusComposer } from "../state/ui.ts";
import { addUploads, draftKeyOf, takeReady, uploadsFor } from "../state/uploads.ts";
import { rememberUsers, users } from "../state/users.ts";
import { dms } from "../state/workspace.ts";
import { MuteNotice } from "./ModerationNotices.tsx";
import { UploadList } from "./UploadList.tsx";

const drafts = new Map<string, string>();
const MAX_SUGGESTIONS = 8;

interface Suggestion {
  key: string;
  insert: string;
  label: string;
  detail: string;
}

const SPECIAL: Suggestion[] = [
  {
    key: "@channel",
    insert: "channel",
    label: "@channel",
    detail: "Notify everyone in the channel",
  },
  { key: "@here", insert: "here", label: "@here", detail: "Notify everyone online" },
];

/** The `@partial` right before the caret, if the caret is in one. */
function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const m = /(^|\s)@([\w.-]*)$/.exec(text.slice(0, caret));
  return m ? { start: caret - m[2]!.length - 1, query: m[2]!.toLowerCase() } : null;
}

function matches(u: UserProfile, q: string): boolean {
  return u.username.toLowerCase().startsWith(q) ||
    u.display_name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q));
}

/**
 * The message box: Enter sends, Shift+Enter is a newline, Up in an empty box edits your last
 * message, and `@` offers the conversation's members and the directory. Files come from the
 * attach button, a paste or a drop (on the conversation, see Conversation.tsx), show as chips
 * while they upload, and go with the next send once ready; a send waits for unfinished ones.
 */
export function Composer(
  { conv, label, parentId = null, placeholder, ownMessages, autoFocus }: {
    conv: ConvRef;
    label: string;
    parentId?: string | null;
    placeholder: string;
    /** Messages the Up arrow may pick the last own one from. */
    ownMessages: () => LocalMessage[];
    autoFocus?: boolean;
  },
): JSX.Element {
  const draftKey = draftKeyOf(conv, parentId);
  const [text, setText] = useState(drafts.get(draftKey) ?? "");
  const [mention, setMention] = useState<{ start: number; query: string } | null>(null);
  const [searched, setSearched] = useState<UserProfile[]>([]);
  const [active, setActive] = useState(0);
  const ref = useRef<HTMLTextAreaElement>(null);
  const listId = useId();
  const uploads = uploadsFor(draftKey).value;
  const unfinished = uploads.some((u) => u.state === "uploading" || u.state === "scanning");
  const ready = uploads.some((u) => u.state === "ready");
  const canSend = !unfinished && (!!text.trim() || ready);
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    setText(drafts.get(draftKey) ?? "");
    setMention(null);
    if (autoFocus) ref.current?.focus();
  }, [draftKey]);

  useEffect(() => {
    if (!parentId && focusComposer.value) ref.current?.focus();
  }, [focusComposer.value]);

  // Candidates for @: the conversation's people first, then the directory search.
  useEffect(() => {
    if (!mention) return;
    if (conv.kind === "channel" && !members.value[conv.id]) {
      void loadMembers(conv.id).catch(() => {});
    }
    const t = setTimeout(async () => {
      try {
        const { users: found } = await endpoints.users(mention.query, 20);
        rememberUsers(found);
        setSearched(found);
      } catch { /* suggestions are a convenience */ }
    }, 150);
    return () => clearTimeout(t);
  }, [mention?.query, conv.id]);

  const suggestions: Suggestion[] = (() => {
    if (!mention) return [];
    const q = mention.query;
    const local = conv.kind === "channel"
      ? (members.value[conv.id] ?? []).map((m) => m.user_id)
      : dms.value.find((d) => d.id === conv.id)?.participant_ids ?? [];
    const seen = new Set<string>();
    const people: UserProfile[] = [];
    for (const u of [...local.map((id) => users.value[id]), ...searched]) {
      if (!u || seen.has(u.id) || u.id === me.value?.id || !matches(u, q)) continue;
      seen.add(u.id);
      people.push(u);
    }
    const out = people.map((u) => ({
      key: u.id,
      insert: u.username,
      label: u.display_name || u.username,
      detail: `@${u.username}`,
    }));
    if (conv.kind === "channel") out.push(...SPECIAL.filter((s) => s.insert.startsWith(q)));
    return out.slice(0, MAX_SUGGESTIONS);
  })();
  const open = suggestions.length > 0;

  const update = (value: string, caret: number) => {
    setText(value);
    drafts.set(draftKey, value);
    const m = mentionAt(value, caret);
    setMention(m);
    if (m?.query !== mention?.query) setActive(0);
    if (value) sendTyping(conv.id);
  };

  const pick = (s: Suggestion) => {
    if (!mention) return;
    const el = ref.current!;
    const caret = el.selectionStart;
    const value = `${text.slice(0, mention.start)}@${s.insert} ${text.slice(caret)}`;
    const pos = mention.start + s.insert.length + 2;
    setText(value);
    drafts.set(draftKey, value);
    setMention(null);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(pos, pos);
    });
  };

  const submit = () => {
    const content = text.trim();
    if (!canSend) return;
    sendMessage(conv, content, parentId, takeReady(draftKey));
    setText("");
    drafts.delete(draftKey);
    setMention(null);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.isComposing) return;
    if (open) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const n = suggestions.length;
        setActive((active + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        pick(suggestions[Math.min(active, suggestions.length - 1)]!);
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        setMention(null);
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      submit();
    } else if (e.key === "ArrowUp" && !text) {
      const own = ownMessages().filter((m) =>
        m.user_id === me.value?.id && !m.deleted_at && !m.local
      );
      const last = own[own.length - 1];
      if (last) {
        e.preventDefault();
        editing.value = last.id;
      }
    }
  };

  return (
    <div class="composer">
      {open && (
        <ul class="suggestions" role="listbox" id={listId} aria-label="People to mention">
          {suggestions.map((s, i) => (
            <li
              key={s.key}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              class={i === active ? "active" : ""}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(s);
              }}
            >
              <span class="label">{s.label}</span> <span class="muted">{s.detail}</span>
            </li>
          ))}
        </ul>
      )}
      <MuteNotice conv={conv} />
      {uploads.length > 0 && <UploadList draftKey={draftKey} uploads={uploads} />}
      <div class="composer-row">
        <button
          type="button"
          class="icon-button attach"
          aria-label="Attach files"
          title="Attach files"
          onClick={() => fileInput.current?.click()}
        >
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
            <path d="m20 11.5-8.1 8.1a5 5 0 0 1-7.1-7.1l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4l7.8-7.8" />
          </svg>
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          tabIndex={-1}
          onChange={(e) => {
            const el = e.target as HTMLInputElement;
            if (el.files?.length) addUploads(conv, parentId, el.files);
            el.value = ""; // the same file may be picked again
            ref.current?.focus();
          }}
        />
        <textarea
          ref={ref}
          aria-label={label}
          placeholder={placeholder}
          rows={1}
          value={text}
          aria-autocomplete="list"
          aria-controls={open ? listId : undefined}
          aria-activedescendant={open ? `${listId}-${active}` : undefined}
          onInput={(e) => {
            const el = e.target as HTMLTextAreaElement;
            update(el.value, el.selectionStart);
          }}
          onKeyDown={onKeyDown}
          onPaste={(e) => {
            const files = [...(e.clipboardData?.files ?? [])];
            if (!files.length) return;
            e.preventDefault();
            addUploads(conv, parentId, files);
          }}
          onBlur={() => setTimeout(() => setMention(null), 150)}
        />
        <button
          type="button"
          class="send"
          aria-label="Send"
          title={unfinished ? "Waiting for uploads to finish" : undefined}
          disabled={!canSend}
          onClick={submit}
        >
          ➤
        </button>
      </div>
    </div>
  );
}
