import type { JSX } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { ConvRef } from "../api/endpoints.ts";
import { loadOlder, timeline } from "../state/messages.ts";
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
 * The conversation's history, role="log": newest at the bottom, stays at the bottom while you
 * are there, loads older pages as you scroll up without moving what you are reading, and offers
 * "Jump to newest" when you are far up.
 */
export function MessageList(
  { conv, label, intro }: { conv: ConvRef; label: string; intro: string },
): JSX.Element {
  const t = timeline(conv).value;
  const ref = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const before = useRef<{ first?: string; height: number; top: number }>({ height: 0, top: 0 });
  const [farUp, setFarUp] = useState(false);
  const [newBelow, setNewBelow] = useState(false);
  const lastCount = useRef(0);

  // A new conversation starts at its newest message.
  useLayoutEffect(() => {
    atBottom.current = true;
    setFarUp(false);
    setNewBelow(false);
  }, [conv.kind, conv.id]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const first = t.messages[0]?.id;
    const b = before.current;
    if (b.first && first !== b.first && b.height) {
      // Older messages went in above: keep the ones on screen where they were.
      el.scrollTop = b.top + (el.scrollHeight - b.height);
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    } else if (t.messages.length > lastCount.current) {
      setNewBelow(true);
    }
    lastCount.current = t.messages.length;
    before.current = { first, height: el.scrollHeight, top: el.scrollTop };
    // A first page shorter than the screen: fetch more so there is something to scroll.
    if (t.loaded && t.hasMore && !t.loading && el.scrollHeight <= el.clientHeight + 50) {
      void loadOlder(conv);
    }
  }, [t.messages, t.loaded]);

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
    atBottom.current = fromBottom < 40;
    setFarUp(fromBottom > el.clientHeight);
    if (atBottom.current) setNewBelow(false);
    before.current = { first: t.messages[0]?.id, height: el.scrollHeight, top: el.scrollTop };
    if (el.scrollTop < 400 && t.hasMore && !t.loading) void loadOlder(conv);
  };

  const jump = () => {
    const el = ref.current!;
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
      </div>
      {(farUp || newBelow) && (
        <button type="button" class="jump" onClick={jump}>
          {newBelow ? "New messages ↓" : "Jump to newest ↓"}
        </button>
      )}
    </div>
  );
}
