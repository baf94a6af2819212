import type { JSX } from "preact";
import { useEffect, useId, useState } from "preact/hooks";
import { endpoints, type UserProfile } from "../../api/endpoints.ts";
import { displayName, rememberUsers, username } from "../../state/users.ts";
import { Avatar } from "../Avatar.tsx";

/**
 * Picks one person from the directory: a search box with suggestions (arrows and Enter, or a
 * click), then the person picked, with a button to pick someone else.
 */
export function UserPicker(
  { label, value, onChange, placeholder = "Search people" }: {
    label: string;
    value: string;
    onChange: (id: string) => void;
    placeholder?: string;
  },
): JSX.Element {
  const [q, setQ] = useState("");
  const [found, setFound] = useState<UserProfile[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const listId = useId();
  useEffect(() => {
    if (!open) return;
    const t = setTimeout(async () => {
      try {
        const { users } = await endpoints.users(q.trim(), 8);
        rememberUsers(users);
        setFound(users);
        setActive(0);
      } catch { /* the list stays as it was */ }
    }, 150);
    return () => clearTimeout(t);
  }, [q, open]);

  if (value) {
    return (
      <div class="field">
        <span>{label}</span>
        <div class="picked">
          <Avatar userId={value} small />
          <span class="name">{displayName(value)}</span>
          <span class="muted">@{username(value)}</span>
          <button
            type="button"
            class="icon-button"
            aria-label={`${label}: pick someone else`}
            onClick={() => onChange("")}
          >
            ✕
          </button>
        </div>
      </div>
    );
  }
  const pick = (u: UserProfile) => {
    onChange(u.id);
    setQ("");
    setOpen(false);
  };
  const shown = open ? found : [];
  return (
    <label class="field user-picker">
      <span>{label}</span>
      <input
        type="search"
        role="combobox"
        list={undefined}
        placeholder={placeholder}
        value={q}
        aria-expanded={shown.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={shown.length ? `${listId}-${active}` : undefined}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onInput={(e) => {
          setQ(e.currentTarget.value);
          setOpen(true);
        }}
        onKeyDown={(e) => {
          if (!shown.length) return;
          if (e.key === "ArrowDown" || e.key === "ArrowUp") {
            e.preventDefault();
            setActive((active + (e.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length);
          } else if (e.key === "Enter") {
            e.preventDefault();
            pick(shown[Math.min(active, shown.length - 1)]!);
          } else if (e.key === "Escape") {
            e.stopPropagation();
            setOpen(false);
          }
        }}
      />
      {shown.length > 0 && (
        <ul class="suggestions below" role="listbox" id={listId} aria-label={`${label}: people`}>
          {shown.map((u, i) => (
            <li
              key={u.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              class={i === active ? "active" : ""}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(u);
              }}
            >
              <span class="label">{u.display_name || u.username}</span>{" "}
              <span class="muted">@{u.username}</span>
            </li>
          ))}
        </ul>
      )}
    </label>
  );
}
