import type { JSX } from "preact";
import { useId } from "preact/hooks";
import type { Paged } from "../../state/admin.ts";

/** A row of mutually exclusive choices (radio buttons that look like a switch). */
export function Segmented<T extends string>(
  { label, value, options, onChange }: {
    label: string;
    value: T;
    options: { value: T; label: string }[];
    onChange: (v: T) => void;
  },
): JSX.Element {
  const name = useId();
  return (
    <fieldset class="segmented compact">
      <legend class="sr-only">{label}</legend>
      {options.map((o) => (
        <label key={o.value} class={value === o.value ? "on" : ""}>
          <input
            type="radio"
            name={name}
            value={o.value}
            checked={value === o.value}
            onChange={() => onChange(o.value)}
          />
          {o.label}
        </label>
      ))}
    </fieldset>
  );
}

/** "Load more" while the server has a next page; "Loading…" while one is on its way. */
export function LoadMore<T>(
  { page, onMore }: { page: Paged<T>; onMore: () => void },
): JSX.Element | null {
  if (page.loading) return <p class="loading" role="status">Loading…</p>;
  if (!page.next) return null;
  return (
    <div class="load-more">
      <button type="button" class="button" onClick={onMore}>Load more</button>
    </div>
  );
}
