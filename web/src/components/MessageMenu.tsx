import type { JSX } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { endpoints } from "../api/endpoints.ts";
import { applyMessages } from "../state/messages.ts";
import { isModerator } from "../state/moderation.ts";
import { me } from "../state/session.ts";
import type { LocalMessage } from "../state/timeline.ts";
import { attempt, dialog, showNotice } from "../state/ui.ts";

interface Item {
  label: string;
  danger?: boolean;
  run: () => void;
}

/** What the "More actions" menu offers on a message: report it, lock or unlock its thread. */
export function menuItems(
  m: LocalMessage,
  o: { mine: boolean; moderator: boolean; inThread: boolean },
): Item[] {
  const items: Item[] = [];
  const root = !m.parent_id && (m.reply_count > 0 || !!m.thread_locked_at || o.inThread);
  if (o.moderator && root) {
    const locked = !!m.thread_locked_at;
    items.push({
      label: locked ? "Unlock thread" : "Lock thread",
      run: () =>
        void attempt(async () => {
          applyMessages([
            locked ? await endpoints.unlockThread(m.id) : await endpoints.lockThread(m.id),
          ]);
          showNotice(locked ? "Thread unlocked: replies are open again." : "Thread locked.");
        }),
    });
  }
  if (!o.mine) {
    items.push({
      label: "Report message",
      danger: true,
      run: () => (dialog.value = { kind: "report", message: m }),
    });
  }
  return items;
}

/** A small menu under the message's toolbar; Escape or a click elsewhere closes it. */
export function MessageMenu(
  { m, inThread, onClose }: { m: LocalMessage; inThread: boolean; onClose: () => void },
): JSX.Element {
  const ref = useRef<HTMLUListElement>(null);
  const items = menuItems(m, {
    mine: m.user_id === me.value?.id,
    moderator: isModerator.value,
    inThread,
  });
  useEffect(() => {
    ref.current?.querySelector<HTMLButtonElement>("button")?.focus();
    const away = (e: MouseEvent) => {
      const t = e.target as Element;
      // Our own toggle button toggles by itself.
      const ownToggle = !!t.closest?.("[data-menu-toggle]") &&
        !!ref.current?.parentElement?.contains(t);
      if (!ref.current?.contains(t) && !ownToggle) onClose();
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
    const step = { ArrowDown: 1, ArrowUp: -1 }[e.key];
    if (step !== undefined && i >= 0) {
      e.preventDefault();
      buttons[(i + step + buttons.length) % buttons.length]!.focus();
    }
  };
  return (
    <ul ref={ref} class="menu msg-menu" role="menu" aria-label="More actions" onKeyDown={onKeyDown}>
      {items.map((it) => (
        <li role="none" key={it.label}>
          <button
            type="button"
            role="menuitem"
            class={it.danger ? "danger" : undefined}
            onClick={() => {
              onClose();
              it.run();
            }}
          >
            {it.label}
          </button>
        </li>
      ))}
    </ul>
  );
}
