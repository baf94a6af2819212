import { z } from "zod";

/** Frames a client sends on /ws (shared/API.md, "WebSocket"). */
export const ClientFrame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("auth"),
    token: z.string().min(1).optional(),
    resume: z.string().min(1).optional(),
  }),
  z.object({ type: z.literal("typing"), channel_id: z.uuid() }),
  z.object({ type: z.literal("presence"), status: z.enum(["online", "away"]) }),
  z.object({ type: z.literal("ping") }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

export type ServerFrame =
  | { type: "hello"; user_id: string; cursor: string }
  | { type: "event"; cursor?: string; event: string; data: unknown }
  | { type: "pong" }
  | { type: "auth_renewed"; expires_at: string }
  | { type: "resync_required" }
  | { type: "error"; code: string; message: string };

/** Close codes (shared/API.md, WebSocket item 10). */
export const WS_CLOSE = {
  unauthenticated: 4401,
  badFrame: 4400,
  tokenExpired: 4403,
  /** A fault on our side (RFC 6455 1011): reconnect with backoff. */
  internalError: 1011,
  /** A dependency is down for a moment (RFC 6455 1013 "try again later"): reconnect with backoff. */
  tryAgainLater: 1013,
  /** The server is restarting (RFC 6455 1012): reconnect and resume, on another instance. */
  restarting: 1012,
  /** The client read too slowly and its buffer filled: reconnect and resume. */
  tooSlow: 4408,
  /** More frames than the per-user budget allows. */
  tooManyFrames: 4429,
} as const;
