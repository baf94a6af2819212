import type { JSX } from "preact";
import { useId, useState } from "preact/hooks";
import type { ConvRef } from "../api/endpoints.ts";
import { focusComposer } from "../state/ui.ts";
import { channels, dmName, dms, open } from "../state/workspace.ts";
import { Dialog } from "./Dialog.tsx";

/** Ctrl/Cmd+K: type part of a name, arrows to choose, Enter to go. */
export function QuickSwitcher({ onClose }: { onClose: () => void }): JSX.Element {
  const [q, setQ] = useState("");
  const [active, setActive] = useState(0);
  const listId = useId();
  const needle = q.trim().toLowerCase().replace(/^#/, "");
  const items: { conv: ConvRef; label: string; unread: number }[] = [
    ...channels.value.filter((c) => c.role !== null).map((c) => ({
      conv: { kind: "channel" as const, id: c.id },
      label: `${c.is_private ? "🔒" : "#"} ${c.name}`,
      name: c.name,
      unread: c.unread_count,
    })),
    ...dms.value.map((d) => ({
      conv: { kind: "dm" as const, id: d.id },
      label: dmName(d),
      name: dmName(d),
      unread: d.unread_count,
    })),
  ].filter((x) => x.name.toLowerCase().includes(needle))
    .sort((a, b) => b.unread - a.unread || a.name.localeCompare(b.name))
    .slice(0, 12);
  const go = (conv: ConvRef) => {
    onClose();
    open(conv);
    focusComposer.value++;
  };
  return (
    <Dialog title="Jump to a conversation" onClose={onClose} class="switcher">
      <input
        data-autofocus
        role="combobox"
        aria-label="Conversation name"
        aria-expanded="true"
        aria-controls={listId}
        aria-activedescendant={items[active] ? `${listId}-${active}` : undefined}
        placeholder="Channel or person"
        value={q}
        onInput={(e) => {
          setQ(e.currentTarget.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" || e.key === "ArrowUp") {
            e.preventDefault();
            const n = Math.max(1, items.length);
            setActive((active + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
          } else if (e.key === "Enter" && items[active]) {
            e.preventDefault();
            go(items[active]!.conv);
          }
        }}
      />
      <ul class="pick-list" role="listbox" id={listId} aria-label="Conversations">
        {items.map((x, i) => (
          <li
            key={x.conv.id}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === active}
            class={i === active ? "active" : ""}
            onMouseDown={(e) => {
              e.preventDefault();
              go(x.conv);
            }}
          >
            <span class="name">{x.label}</span>
            {x.unread > 0 && <span class="badge">{x.unread}</span>}
          </li>
        ))}
        {!items.length && <li class="muted">No match.</li>}
      </ul>
    </Dialog>
  );
}
