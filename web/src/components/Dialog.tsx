import type { JSX } from "preact";
import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef } from "preact/hooks";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), textarea:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal dialog: role="dialog", labelled by its title, Tab and Shift+Tab stay inside, Escape
 * closes, and focus goes back to whatever had it before the dialog opened.
 */
export function Dialog(
  { title, onClose, children, wide, class: cls }: {
    title: string;
    onClose: () => void;
    children: ComponentChildren;
    wide?: boolean;
    class?: string;
  },
): JSX.Element {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const box = ref.current!;
    const first = box.querySelector<HTMLElement>("[data-autofocus]") ??
      box.querySelector<HTMLElement>(FOCUSABLE);
    (first ?? box).focus();
    return () => {
      if (before && document.contains(before)) before.focus();
    };
  }, []);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      e.preventDefault();
      onClose();
      return;
    }
    if (e.key !== "Tab") return;
    const items = [...ref.current!.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) =>
      el.offsetParent !== null
    );
    if (!items.length) return e.preventDefault();
    const first = items[0]!, last = items[items.length - 1]!;
    if (
      e.shiftKey &&
      (document.activeElement === first || !ref.current!.contains(document.activeElement))
    ) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <div class="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={ref}
        class={`dialog${wide ? " wide" : ""}${cls ? ` ${cls}` : ""}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <header class="dialog-head">
          <h2 id={titleId}>{title}</h2>
          <button type="button" class="icon-button" aria-label="Close" onClick={onClose}>
            ✕
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}
