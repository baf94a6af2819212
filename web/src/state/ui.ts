import { signal } from "@preact/signals";
import type { LocalMessage } from "./timeline.ts";

export type DialogState =
  | { kind: "create-channel" }
  | { kind: "browse-channels" }
  | { kind: "add-members" }
  | { kind: "new-dm" }
  | { kind: "status" }
  | { kind: "switcher" }
  | { kind: "confirm-delete"; message: LocalMessage }
  | { kind: "report"; message: LocalMessage };

export const ADMIN_TABS = ["reports", "actions", "members", "audit"] as const;
export type AdminTab = typeof ADMIN_TABS[number];

/** The admin view, on screen instead of the conversation (null: the conversation). */
export const adminTab = signal<AdminTab | null>(null);

export type SearchTab = "messages" | "files";
/**
 * The search on screen, beside the conversation (null: none): what was asked and which results
 * are shown. In the URL as `?search=<q>` (and `&tab=files`), so it survives a reload.
 */
export const search = signal<SearchState | null>(null);
export interface SearchState {
  q: string;
  tab: SearchTab;
  /** Bumped by every search asked for, so asking again fetches afresh. */
  n?: number;
}
/** Bumped to ask the search box to take focus (Ctrl/Cmd+Shift+F, "/"). */
export const focusSearch = signal(0);

/** Side panels cover the conversation (narrow windows, styles.css's 1000 px) instead of sitting beside it. */
export const panelsOverlay = signal(false);
if (typeof matchMedia === "function") {
  const mq = matchMedia("(max-width: 1000px)");
  panelsOverlay.value = mq.matches;
  mq.addEventListener("change", () => (panelsOverlay.value = mq.matches));
}

export const dialog = signal<DialogState | null>(null);
export const membersOpen = signal(false);
/** The sidebar as a drawer on narrow screens. */
export const sidebarOpen = signal(false);
/** The message being edited in place. */
export const editing = signal<string | null>(null);
/** Bumped to ask the main composer to take focus. */
export const focusComposer = signal(0);
/** A short message about something that went wrong, shown until dismissed or replaced. */
export const notice = signal<{ text: string; id: number } | null>(null);

let noticeId = 0;
export function showNotice(text: string): void {
  const id = ++noticeId;
  notice.value = { text, id };
  setTimeout(() => {
    if (notice.value?.id === id) notice.value = null;
  }, 6_000);
}

/** Runs an action, showing its failure as a notice instead of losing it. */
export async function attempt(f: () => Promise<unknown>): Promise<boolean> {
  try {
    await f();
    return true;
  } catch (e) {
    showNotice((e as Error).message || "Something went wrong");
    return false;
  }
}
