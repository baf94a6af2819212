import type { JSX } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { Reaction } from "../api/endpoints.ts";
import { me } from "../state/session.ts";
import { displayName } from "../state/users.ts";
import { emojiOf, PICKER } from "./format.ts";

/** The counts under a message; each chip toggles the caller's own reaction. */
export function ReactionBar(
  { reactions, onToggle }: { reactions: Reaction[]; onToggle: (emoji: string) => void },
): JSX.Element | null {
  if (!reactions.length) return null;
  const uid = me.value?.id ?? "";
  return (
    <div class="reactions">
      {reactions.map((r) => {
        const mine = r.user_ids.includes(uid);
        const who = r.user_ids.slice(0, 5).map(displayName).join(", ") +
          (r.user_ids.length > 5 ? ` and ${r.user_ids.length - 5} more` : "");
        return (
          <button
            key={r.emoji}
            type="button"
            class={`reaction${mine ? " mine" : ""}`}
            aria-pressed={mine}
            aria-label={`${emojiOf(r.emoji)} ${r.count} (${who})`}
            title={who}
            onClick={() => onToggle(r.emoji)}
          >
            <span class="emoji">{emojiOf(r.emoji)}</span>
            <span class="count">{r.count}</span>
          </button>
        );
      })}
    </div>
  );
}

/** A small grid of common emoji; Escape or a click elsewhere closes it. */
export function ReactionPicker(
  { onPick, onClose }: { onPick: (emoji: string) => void; onClose: () => void },
): JSX.Element {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLButtonElement>("button")?.focus();
    const away = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) onClose();
    };
    document.addEventListener("mousedown", away);
    return () => document.removeEventListener("mousedown", away);
  }, []);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      onClose();
      return;
    }
    const buttons = [...ref.current!.querySelectorAll<HTMLButtonElement>("button")];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 6, ArrowUp: -6 }[e.key];
    if (step !== undefined && i >= 0) {
      e.preventDefault();
      buttons[(i + step + buttons.length) % buttons.length]!.focus();
    }
  };
  return (
    <div ref={ref} class="picker" role="group" aria-label="Pick a reaction" onKeyDown={onKeyDown}>
      {PICKER.map((e) => (
        <button
          key={e}
          type="button"
          aria-label={`React with ${e}`}
          onClick={() => {
            onPick(e);
            onClose();
          }}
        >
          {e}
        </button>
      ))}
    </div>
  );
}
