import type { JSX } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { closeThread } from "../state/messages.ts";
import { applyHint, type Hint, searchHints } from "../state/search_hints.ts";
import { focusSearch, membersOpen, search, type SearchTab } from "../state/ui.ts";
import { users } from "../state/users.ts";
import { channels, current } from "../state/workspace.ts";

/** Shows the results of `q` beside the conversation (on the tab shown, or `tab`). */
export function openSearch(q: string, tab?: SearchTab): void {
  const cur = search.peek();
  search.value = { q, tab: tab ?? cur?.tab ?? "messages", n: (cur?.n ?? 0) + 1 };
  membersOpen.value = false;
  closeThread();
}

/** The last focusSearch request a box took (a box that mounts later does not take it again). */
let focusTaken = 0;

/** What in:# and from:@ can complete: the channels one is in (this one first), and people. */
function hintContext() {
  const here = current.value;
  const isHere = (id: string) => here?.kind === "channel" && here.id === id;
  const joined = channels.value.filter((c) => c.role !== null)
    .sort((a, b) => Number(isHere(b.id)) - Number(isHere(a.id)) || a.name.localeCompare(b.name));
  const people = Object.values(users.value).sort((a, b) => a.username.localeCompare(b.username));
  return { channels: joined, people, today: new Date() };
}

/**
 * The search field: Enter searches (the results open beside the conversation), and while you type
 * it offers the operators and their values (channels after `in:#`, people after `from:@`, days
 * after `before:`/`after:`): arrows to choose, Tab or Enter to take one, Escape to hide them.
 * Ctrl/Cmd+Shift+F or "/" (outside a text field) focus it. Below 700 px it is a button until used.
 */
export function SearchBox({ inPanel }: { inPanel?: boolean }): JSX.Element {
  const s = search.value;
  const [text, setText] = useState(s?.q ?? "");
  const [caret, setCaret] = useState(0);
  const [focused, setFocused] = useState(false);
  const [hidden, setHidden] = useState(false);
  const [active, setActive] = useState(-1);
  const [expanded, setExpanded] = useState(false);
  const ref = useRef<HTMLInputElement>(null);
  const listId = useId();

  // A search opened elsewhere (the URL, Back) shows its words here.
  useEffect(() => {
    if (s) setText(s.q);
  }, [s?.q]);

  useEffect(() => {
    if (focusSearch.value <= focusTaken) return;
    focusTaken = focusSearch.value;
    setExpanded(true);
    requestAnimationFrame(() => {
      ref.current?.focus();
      ref.current?.select();
    });
  }, [focusSearch.value]);

  const hints: Hint[] = focused && !hidden ? searchHints(text, caret, hintContext()) : [];
  const open = hints.length > 0;
  const typingWord = /\S$/.test(text.slice(0, caret));

  const update = (el: HTMLInputElement) => {
    setText(el.value);
    setCaret(el.selectionStart ?? el.value.length);
    setHidden(false);
    setActive(-1);
  };

  const take = (h: Hint) => {
    const el = ref.current!;
    const next = applyHint(text, el.selectionStart ?? caret, h);
    setText(next.text);
    setCaret(next.caret);
    setActive(-1);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(next.caret, next.caret);
    });
  };

  const submit = () => {
    const q = text.trim();
    if (!q) return;
    openSearch(q);
    setHidden(true);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.isComposing) return;
    if (open && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      const n = hints.length;
      setActive(e.key === "ArrowDown" ? (active + 1) % n : active <= 0 ? n - 1 : active - 1);
    } else if (open && e.key === "Tab" && !e.shiftKey && (active >= 0 || typingWord)) {
      e.preventDefault();
      take(hints[Math.max(0, active)]!);
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (open && active >= 0) take(hints[active]!);
      else submit();
    } else if (e.key === "Escape" && (open || (!inPanel && expanded && !text))) {
      e.preventDefault();
      e.stopPropagation();
      if (open) setHidden(true);
      else {
        setExpanded(false);
        ref.current?.blur();
      }
    }
  };

  const caretMoved = (e: Event) => {
    const el = e.currentTarget as HTMLInputElement;
    setCaret(el.selectionStart ?? el.value.length);
  };

  return (
    <form
      role="search"
      class={`search-box${inPanel ? " in-panel" : ""}${expanded || s ? " expanded" : ""}`}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {!inPanel && (
        <button
          type="button"
          class="icon-button search-toggle"
          aria-label="Search"
          title="Search (Ctrl+Shift+F)"
          onClick={() => focusSearch.value++}
        >
          <SearchIcon />
        </button>
      )}
      <div class="search-field">
        <SearchIcon />
        <input
          ref={ref}
          role="combobox"
          aria-label="Search messages and files"
          aria-keyshortcuts="Control+Shift+F Meta+Shift+F /"
          placeholder="Search"
          enterKeyHint="search"
          autoComplete="off"
          spellcheck={false}
          aria-autocomplete="list"
          aria-expanded={open}
          aria-controls={open ? listId : undefined}
          aria-activedescendant={open && active >= 0 ? `${listId}-${active}` : undefined}
          value={text}
          onInput={(e) => update(e.currentTarget)}
          onKeyDown={onKeyDown}
          onKeyUp={caretMoved}
          onClick={caretMoved}
          onFocus={(e) => {
            setFocused(true);
            caretMoved(e);
          }}
          onBlur={() =>
            setTimeout(() => {
              setFocused(false);
              setHidden(false);
              if (!ref.current?.value) setExpanded(false);
            }, 150)}
        />
        {open && (
          <div class="search-hints">
            <ul
              class="suggestions below"
              role="listbox"
              id={listId}
              aria-label="Search suggestions"
            >
              {hints.map((h, i) => (
                <li
                  key={h.key}
                  id={`${listId}-${i}`}
                  role="option"
                  aria-selected={i === active}
                  class={i === active ? "active" : ""}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    take(h);
                  }}
                >
                  <span class={h.plain ? "label" : "label syntax"}>{h.label}</span>{" "}
                  <span class="muted">{h.detail}</span>
                </li>
              ))}
            </ul>
            <p class="hint-keys muted" aria-hidden="true">
              <kbd>↑</kbd> <kbd>↓</kbd> choose · <kbd>Tab</kbd> complete · <kbd>Enter</kbd> search
            </p>
          </div>
        )}
      </div>
    </form>
  );
}

function SearchIcon() {
  return (
    <svg
      class="search-icon"
      viewBox="0 0 20 20"
      width="16"
      height="16"
      aria-hidden="true"
      focusable="false"
    >
      <circle cx="8.5" cy="8.5" r="5.5" />
      <path d="m12.6 12.6 4.4 4.4" />
    </svg>
  );
}
