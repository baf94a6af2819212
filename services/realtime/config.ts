import { z } from "zod";

/** The realtime service's settings (the frame limits of shared/API.md are not settings). */
export const RealtimeConfig = z.object({
  /**
   * The server pings every open socket; one that does not answer with a pong within this many
   * seconds is closed (a laptop that slept, a NAT that dropped the flow). 0 turns it off.
   */
  WS_IDLE_TIMEOUT_SEC: z.coerce.number().int().min(0).default(30),
  /** Bytes queued or buffered for one socket before it is closed with 4408 (it resumes). */
  WS_MAX_BUFFERED_BYTES: z.coerce.number().int().positive().default(4 * 1024 * 1024),
});
export type RealtimeConfig = z.infer<typeof RealtimeConfig>;
