import { computed, signal } from "@preact/signals";

/** `renewing`: closed because the credentials expired (4403); back at once, no banner. */
export type SocketState = "idle" | "connecting" | "open" | "reconnecting" | "renewing";

export const socketState = signal<SocketState>("idle");
/** The socket has delivered a durable event at least once since the page loaded. */
export const socketProven = signal(false);
/** An own write's event did not come back over an open socket in time. */
export const socketSuspect = signal(false);
/** Failed attempts since the socket was last open (drives the banner). */
export const failedAttempts = signal(0);
export const everOpen = signal(false);

/**
 * Whether live updates can be left to the socket. Until a socket has shown that it delivers
 * events (the server may accept sockets before it streams anything), and whenever it is down or
 * lost one of our own writes, the client polls instead.
 */
export const socketLive = computed(() =>
  socketState.value === "open" && socketProven.value && !socketSuspect.value
);

/** The banner: the socket was up and is not, or it has not come up after a few tries. */
export const showReconnecting = computed(() =>
  socketState.value !== "open" && socketState.value !== "idle" &&
  socketState.value !== "renewing" && (everOpen.value || failedAttempts.value >= 3)
);

const ECHO_TIMEOUT_MS = 10_000;
const awaitingEcho = new Map<string, ReturnType<typeof setTimeout>>();

/** After our own write over REST: its event should come back over a live socket. */
export function expectEcho(messageId: string): void {
  if (!socketLive.value || awaitingEcho.has(messageId)) return;
  awaitingEcho.set(
    messageId,
    setTimeout(() => {
      awaitingEcho.delete(messageId);
      socketSuspect.value = true;
    }, ECHO_TIMEOUT_MS),
  );
}

/** Any durable event: the socket works; an expected echo is settled. */
export function sawDurableEvent(messageId?: string): void {
  socketProven.value = true;
  socketSuspect.value = false;
  if (messageId) {
    clearTimeout(awaitingEcho.get(messageId));
    awaitingEcho.delete(messageId);
  }
}

export function resetEchoes(): void {
  for (const t of awaitingEcho.values()) clearTimeout(t);
  awaitingEcho.clear();
}
