/**
 * A client's place in the event stream: the stream's epoch and the last position it received.
 * Constant size whatever the number of conversations (a user in 2,000 channels resumes with the
 * same ~50 characters), URL-safe, and opaque to clients.
 */
export interface Cursor {
  epoch: string;
  position: number;
}

/** What the server knows about its stream when a client asks to resume. */
export interface StreamState {
  epoch: string;
  /** The newest position. */
  head: number;
  /** Positions at or below this were deleted (past the retention). */
  prunedThrough: number;
}

export const encodeCursor = (c: Cursor): string => `${c.epoch}.${c.position}`;

export function decodeCursor(raw: string): Cursor | undefined {
  const m = /^([0-9a-f-]{36})\.(0|[1-9][0-9]{0,15})$/.exec(raw);
  if (!m) return undefined;
  const position = Number(m[2]);
  return Number.isSafeInteger(position) ? { epoch: m[1]!, position } : undefined;
}

export type Recovery =
  | { kind: "fresh" }
  | { kind: "resume"; after: number }
  | { kind: "resync"; reason: "malformed" | "epoch" | "ahead" | "retention" };

/**
 * Whether a client that presents `resume` can get everything it missed (Centrifuge's recovery
 * decision): only from this epoch, from a position that exists, and from after the last deleted
 * position. Everything else is an explicit resync, never a silent gap.
 */
export function decideRecovery(resume: string | undefined, s: StreamState): Recovery {
  if (resume === undefined) return { kind: "fresh" };
  const c = decodeCursor(resume);
  if (!c) return { kind: "resync", reason: "malformed" };
  if (c.epoch !== s.epoch) return { kind: "resync", reason: "epoch" };
  if (c.position > s.head) return { kind: "resync", reason: "ahead" };
  if (c.position < s.prunedThrough) return { kind: "resync", reason: "retention" };
  return { kind: "resume", after: c.position };
}
