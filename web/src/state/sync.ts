import { effect } from "@preact/signals";
import { socketLive } from "../realtime/status.ts";
import {
  closeThread,
  loadLatest,
  markRead,
  refreshThread,
  resetMessages,
  thread,
  timeline,
} from "./messages.ts";
import { authState } from "./session.ts";
import { current, loadWorkspaces, refreshSidebar } from "./workspace.ts";

/** How often the open conversation is fetched while the socket does not deliver events. */
export const POLL_MS = 3_000;
/** Sidebar badges are fetched every this many polls. */
const SIDEBAR_EVERY = 4;
/** A hidden tab polls this many times less often. */
const HIDDEN_SLOWDOWN = 10;

const visible = () => document.visibilityState === "visible";

/** Everything on screen, fetched again (after a reconnect without resume, or a resync). */
export async function refreshAll(o: { forget?: boolean } = {}): Promise<void> {
  if (o.forget) {
    const open = thread.value;
    resetMessages();
    thread.value = open && { ...open, replies: [] };
  }
  await Promise.allSettled([
    loadWorkspaces(),
    refreshSidebar(),
    current.value ? loadLatest(current.value) : Promise.resolve(),
    refreshThread(),
  ]);
}

/**
 * Keeps what is on screen current without the socket: polls the open conversation (and thread)
 * every few seconds, and the sidebar's badges less often, only while the socket is not live.
 * Also opens conversations when they are selected and moves read markers while one is viewed.
 */
export function startSync(): () => void {
  let tick = 0;
  let busy = false;
  const timer = setInterval(async () => {
    if (authState.value !== "signed_in" || socketLive.value || busy) return;
    tick++;
    if (!visible() && tick % HIDDEN_SLOWDOWN !== 0) return;
    busy = true;
    try {
      const c = current.value;
      await Promise.allSettled([
        c ? loadLatest(c) : Promise.resolve(),
        thread.value ? refreshThread() : Promise.resolve(),
        tick % SIDEBAR_EVERY === 0 ? refreshSidebar() : Promise.resolve(),
      ]);
    } finally {
      busy = false;
    }
  }, POLL_MS);

  const stopOpen = effect(() => {
    const c = current.value;
    // A thread belongs to its conversation: switching away closes it.
    const t = thread.peek();
    if (t && !(c && t.conv.kind === c.kind && t.conv.id === c.id)) closeThread();
    if (c && !timeline(c).peek().loaded && !timeline(c).peek().loading) void loadLatest(c);
  });
  const stopRead = effect(() => {
    const c = current.value;
    if (!c) return;
    const t = timeline(c).value;
    if (t.loaded && visible()) markRead(c);
  });
  const onVisible = () => {
    const c = current.value;
    if (visible() && c) {
      markRead(c);
      if (!socketLive.value) void loadLatest(c).catch(() => {});
    }
  };
  document.addEventListener("visibilitychange", onVisible);
  return () => {
    clearInterval(timer);
    stopOpen();
    stopRead();
    document.removeEventListener("visibilitychange", onVisible);
  };
}
