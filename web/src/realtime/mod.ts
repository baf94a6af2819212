import { endpoints } from "../api/endpoints.ts";
import { myPresence } from "../state/presence.ts";
import { retryWaitingSends } from "../state/messages.ts";
import { authState } from "../state/session.ts";
import { refreshAll } from "../state/sync.ts";
import { applyServerEvent } from "./events.ts";
import { RealtimeClient } from "./socket.ts";
import { resetEchoes } from "./status.ts";

let client: RealtimeClient | undefined;

/** Opens the tab's one socket (after sign-in) and wires it to the state. */
export function startRealtime(): void {
  if (client) return;
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  client = new RealtimeClient({
    url,
    handlers: {
      onHello({ resumed }) {
        // A fresh stream starts now: anything between the REST load and this hello is fetched.
        if (!resumed) void refreshAll();
        retryWaitingSends();
      },
      onEvent: applyServerEvent,
      onResync() {
        void refreshAll({ forget: true });
      },
      async onUnauthenticated() {
        try {
          await endpoints.session();
          return true;
        } catch (e) {
          const status = (e as { status?: number }).status;
          if (status === 401 || status === 403) {
            authState.value = "signed_out";
            return false;
          }
          return true;
        }
      },
    },
  });
  client.start();
  addEventListener("online", () => client?.nudge());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") client?.nudge();
  });
}

export function stopRealtime(): void {
  client?.stop();
  client = undefined;
  resetEchoes();
}

let lastTyping = 0;
/** Tells others we are typing, at most every few seconds. */
export function sendTyping(conversationId: string): void {
  const now = Date.now();
  if (now - lastTyping < 3_000) return;
  lastTyping = now;
  client?.send({ type: "typing", channel_id: conversationId });
}

/** Tells the server the user is away (by choice) or back. */
export function sendPresence(status: "online" | "away"): void {
  myPresence.value = status;
  client?.send({ type: "presence", status });
}
