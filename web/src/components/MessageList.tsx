import type { JSX } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { ConvRef } from "../api/endpoints.ts";
import {
  flashed,
  focusTargets,
  loadNewer,
  loadOlder,
  loadPresent,
  timeline,
  tookFocus,
} from "../state/messages.ts";
import type { LocalMessage } from "../state/timeline.ts";
import { dayKey, dayLabel } from "./format.ts";
import { MessageItem } from "./MessageItem.tsx";

const GROUP_WINDOW_MS = 5 * 60_000;

/** Consecutive messages of one author within a few minutes on one day read as one block. */
export function groupedWithPrevious(prev: LocalMessage | undefined, m: LocalMessage): boolean {
  return !!prev && prev.user_id === m.user_id && !prev.deleted_at &&
    dayKey(prev.created_at) === dayKey(m.created_at) &&
    Date.parse(m.created_at) - Date.parse(prev.created_at) < GROUP_WINDOW_MS;
}

/** Messages with a separator before the first of each day. */
export function MessageRows(
  { messages, inThread, afterDay }: {
    messages: LocalMessage[];
    inThread?: boolean;
    /** The day of what is shown above these rows (a thread's parent): no separator for it. */
    afterDay?: string;
  },
): JSX.Element {
  const rows = [];
  let prev: LocalMessage | undefined;
  let day = afterDay;
  for (const m of messages) {
    if (day !== dayKey(m.created_at)) {
      day = dayKey(m.created_at);
      rows.push(
        <div class="day" role="separator" key={`day-${dayKey(m.created_at)}`}>
          <span>{dayLabel(m.created_at)}</span>
        </div>,
      );
      prev = undefined;
    }
    rows.push(
      <MessageItem key={m.id} m={m} grouped={groupedWithPrevious(prev, m)} inThread={inThread} />,
    );
    prev = m;
  }
  return <>{rows}</>;
}

/**
 * Scrolls the message `focusTargets` asks for into view once `container` shows it (and focuses
 * it when it is the one flashed); returns whether it did.
 */
export function bringIntoView(container: HTMLElement | null, flash: string | null): boolean {
  if (!container) return false;
  let done = false;
  for (const id of focusTargets.peek()) {
    const el = container.querySelector<HTMLElement>(`[data-id="${CSS.escape(id)}"]`);
    if (!el) continue;
    el.scrollIntoView({ block: "center" });
    if (id === flash) el.focus({ preventScroll: true });
    tookFocus(id);
    done = true;
  }
  return done;
}

/**
 * The conversation's history, role="log": newest at the bottom, stays at the bottom while you
 * are there, loads older pages as you scroll up without moving what you are reading, and offers
 * "Jump to newest" when you are far up. After a jump to an older message (a search hit) it holds
 * a window around it that grows both ways as you scroll.
 */
export function MessageList(
  { conv, label, intro }: { conv: ConvRef; label: string; intro: string },
): JSX.Element {
  const t = timeline(conv).value;
  const ref = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const before = useRef<{ first?: string; height: number; top: number; hadNewer?: boolean }>({
    height: 0,
    top: 0,
  });
  const [farUp, setFarUp] = useState(false);
  const [newBelow, setNewBelow] = useState(false);
  const lastCount = useRef(0);
  const targets = focusTargets.value;

  // A new conversation starts at its newest message.
  useLayoutEffect(() => {
    atBottom.current = true;
    before.current = { height: 0, top: 0 };
    setFarUp(false);
    setNewBelow(false);
  }, [conv.kind, conv.id]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (!t.loaded) {
      // Loading afresh (back to the present from a window into the past): nothing to keep.
      before.current = { height: 0, top: 0 };
      lastCount.current = 0;
      return;
    }
    const first = t.messages[0]?.id;
    const b = before.current;
    if (b.first && first !== b.first && b.height) {
      // Older messages went in above: keep the ones on screen where they were.
      el.scrollTop = b.top + (el.scrollHeight - b.height);
    } else if (atBottom.current && !t.hasNewer) {
      el.scrollTop = el.scrollHeight;
    } else if (t.messages.length > lastCount.current && !t.hasNewer && !b.hadNewer) {
      setNewBelow(true);
    }
    lastCount.current = t.messages.length;
    before.current = { first, height: el.scrollHeight, top: el.scrollTop, hadNewer: t.hasNewer };
    // A first page shorter than the screen: fetch more so there is something to scroll.
    if (t.loaded && !t.loading && el.scrollHeight <= el.clientHeight + 50) {
      if (t.hasMore) void loadOlder(conv);
      else if (t.hasNewer) void loadNewer(conv);
    }
  }, [t.messages, t.loaded]);

  // A jump to a message (a search hit): once it is here, it is scrolled to the middle.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || !targets.size || !bringIntoView(el, flashed.peek())) return;
    const fromBottom = el.scrollHeight - el.scrollTop - el.clientHeight;
    atBottom.current = fromBottom < 40 && !t.hasNewer;
    setFarUp(fromBottom > el.clientHeight);
    before.current = {
      first: t.messages[0]?.id,
      height: el.scrollHeight,
      top: el.scrollTop,
      hadNewer: t.hasNewer,
    };
  }, [targets, t.messages]);

  // The list shrinks when the composer grows (a second line, files being attached): whoever was
  // at the newest message stays there.
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => {
      if (atBottom.current) el.scrollTop = el.scrollHeight;
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const onScroll = () => {
    const el = ref.current!;
    const fromBottom = el.scrollHeight - el.scrollTop - el.clientHeight;
    atBottom.current = fromBottom < 40 && !t.hasNewer;
    setFarUp(fromBottom > el.clientHeight);
    if (atBottom.current) setNewBelow(false);
    before.current = {
      first: t.messages[0]?.id,
      height: el.scrollHeight,
      top: el.scrollTop,
      hadNewer: t.hasNewer,
    };
    if (el.scrollTop < 400 && t.hasMore && !t.loading) void loadOlder(conv);
    else if (fromBottom < 400 && t.hasNewer && !t.loading) void loadNewer(conv);
  };

  const jump = () => {
    const el = ref.current!;
    if (t.hasNewer) void loadPresent(conv);
    el.scrollTop = el.scrollHeight;
    atBottom.current = true;
    setFarUp(false);
    setNewBelow(false);
  };

  return (
    <div class="list-wrap">
      <div
        ref={ref}
        class="messages"
        role="log"
        aria-label={label}
        aria-busy={t.loading}
        tabIndex={0}
        onScroll={onScroll}
      >
        {t.loaded && !t.hasMore && (
          <div class="history-start">
            <p>{intro}</p>
          </div>
        )}
        {t.loading && <p class="loading" role="status">Loading messages…</p>}
        {t.error && <p class="error" role="alert">Could not load messages: {t.error}</p>}
        <MessageRows messages={t.messages} />
        {t.hasNewer && <p class="loading">Loading newer messages…</p>}
      </div>
      {(farUp || newBelow || t.hasNewer) && (
        <button type="button" class="jump" onClick={jump}>
          {newBelow ? "New messages ↓" : "Jump to newest ↓"}
        </button>
      )}
    </div>
  );
}
