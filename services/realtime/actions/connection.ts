import {
  ClientFrame,
  DependencyUnavailableError,
  type ServerFrame,
  WS_CLOSE,
} from "@colink/contracts";
import {
  type Identity,
  InvalidTokenError,
  type Principal,
  type PrincipalResolver,
  type TokenVerifier,
} from "@colink/auth";
import { HttpError, type Logger } from "@colink/http";
import { decideRecovery, encodeCursor } from "./cursor.ts";
import type { EventLog, StreamRow, StreamTail } from "./event_log.ts";
import type { Hub, Subscriber } from "./hub.ts";

export interface Socket {
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Bytes handed to the socket and not yet on the wire. */
  bufferedAmount(): number;
}

/** What the socket needs of the instance once a user is known (absent: auth only). */
export interface Streaming {
  hub: Hub;
  tail: StreamTail;
  log: EventLog;
  /** The conversations (channels and DMs) the user belongs to now. */
  conversations(userId: string): Promise<string[]>;
  /** Typing and presence, when the instance has them. */
  onTyping?(p: Principal, conversationId: string, sub: Subscriber): void;
  onPresence?(p: Principal, status: "online" | "away", sub: ConnectionSubscriber): void;
  onConnect?(p: Principal, sub: ConnectionSubscriber): void;
  onDisconnect?(p: Principal, sub: ConnectionSubscriber): void;
}

export interface ConnectionDeps {
  verifier: TokenVerifier;
  principals: PrincipalResolver;
  logger: Logger;
  /** How long a new socket may stay unauthenticated. */
  authTimeoutMs?: number;
  streaming?: Streaming;
  limits?: Partial<Limits>;
}

export interface Limits {
  /** Largest client frame, in characters. */
  maxFrameChars: number;
  /** Frames per second per user, and the burst above it before 4429. */
  framesPerSecond: number;
  frameBurst: number;
  /** Bytes queued or buffered for one socket before it is closed with 4408 (resume later). */
  maxBufferedBytes: number;
  /** Above this, ephemeral frames (typing, presence) are dropped instead of queued. */
  ephemeralDropBytes: number;
}

const DEFAULT_LIMITS: Limits = {
  maxFrameChars: 16_384,
  framesPerSecond: 10,
  frameBurst: 20,
  maxBufferedBytes: 4 * 1024 * 1024,
  ephemeralDropBytes: 256 * 1024,
};

/** A connection's subscriber, with what presence and typing need to reach it. */
export interface ConnectionSubscriber extends Subscriber {
  readonly id: string;
  status: "online" | "away";
  /** When the client last did something (typing, presence, auth); pings do not count. */
  activeAt: number;
  /** Sends an ephemeral frame unless the socket is backed up (then it is dropped). */
  ephemeral(frame: ServerFrame): void;
  /** Closes the socket (shutdown: 1012, the client resumes elsewhere). */
  closeWith(code: number, reason: string): void;
  /** Resolves once the socket is closed for real (the peer answered, or the transport went). */
  readonly socketClosed: Promise<void>;
}

/**
 * One WebSocket connection's protocol. Nothing but an `auth` frame is accepted until the caller
 * proved who they are (a token in the frame, or the browser session's token found on the
 * upgrade request); a bad or missing proof closes with 4401. Then the socket follows the user's
 * conversations: `hello` with a cursor, the events missed since `resume` (from the durable
 * stream, in order, exactly once) or `resync_required`, then live events. A later `auth` frame
 * renews the credentials before they expire; expired credentials close with 4403.
 */
export interface Connection {
  readonly principal: Principal | undefined;
  onMessage(raw: string): Promise<void>;
  onClose(): void;
}

/** Per-user frame budgets, shared by a user's sockets on this instance. */
const budgets = new Map<string, { tokens: number; at: number }>();

function takeFrame(userId: string, l: Limits): boolean {
  const now = Date.now();
  const b = budgets.get(userId) ?? { tokens: l.frameBurst, at: now };
  b.tokens = Math.min(l.frameBurst, b.tokens + ((now - b.at) / 1000) * l.framesPerSecond);
  b.at = now;
  budgets.set(userId, b);
  if (budgets.size > 100_000) budgets.clear();
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

/** The frame a stream row becomes: `data` of message events is the message as REST returns it. */
function eventFrame(row: StreamRow, epoch: string): string {
  // Every socket following the conversation gets the same text: serialize it once.
  const cached = frames.get(row);
  if (cached !== undefined) return cached;
  const text = serializeFrame(row, epoch);
  frames.set(row, text);
  return text;
}
const frames = new WeakMap<StreamRow, string>();

function serializeFrame(row: StreamRow, epoch: string): string {
  const data = row.event.data as Record<string, unknown>;
  return JSON.stringify({
    type: "event",
    cursor: encodeCursor({ epoch, position: row.position }),
    event: row.topic,
    data: row.topic.startsWith("message.") && data.message ? data.message : data,
  });
}

export function createConnection(
  socket: Socket,
  d: ConnectionDeps,
  sessionToken?: () => Promise<string | undefined>,
): Connection {
  const limits = { ...DEFAULT_LIMITS, ...d.limits };
  let principal: Principal | undefined;
  let identity: Identity | undefined;
  let sub: (ConnectionSubscriber & { deliveredThrough: number }) | undefined;
  let authenticating = false;
  let closed = false;
  let flooding = false;
  let expiry: ReturnType<typeof setTimeout> | undefined;
  const timers: ReturnType<typeof setTimeout>[] = [];
  let markSocketClosed!: () => void;
  const socketClosed = new Promise<void>((r) => (markSocketClosed = r));
  const close = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    cleanup();
    socket.close(code, reason);
  };
  const send = (frame: ServerFrame) => {
    if (!closed) socket.send(JSON.stringify(frame));
  };
  const authTimeoutMs = d.authTimeoutMs ?? 5_000;
  const authDeadline = Date.now() + authTimeoutMs;
  timers.push(setTimeout(() => {
    if (principal) return;
    // Still checking the credentials when time is up, or this timer itself ran late (the
    // process is overloaded, e.g. by a reconnect storm, and the auth frame may be waiting
    // unread): the slowness is ours, so the close must say "retry", not "your token is bad" —
    // clients drop their credentials on 4401.
    const late = Date.now() - authDeadline > 1_000;
    if (authenticating || late) close(WS_CLOSE.tryAgainLater, "server busy, retry");
    else close(WS_CLOSE.unauthenticated, "authentication timeout");
  }, authTimeoutMs));

  function cleanup() {
    timers.forEach(clearTimeout);
    if (expiry) clearTimeout(expiry);
    if (sub && d.streaming) {
      d.streaming.hub.remove(sub);
      d.streaming.onDisconnect?.(principal!, sub);
    }
  }

  function armExpiry(id: Identity) {
    if (expiry) clearTimeout(expiry);
    const remaining = id.expiresAt.getTime() - Date.now();
    expiry = setTimeout(
      () => close(WS_CLOSE.tokenExpired, "token expired"),
      Math.max(0, remaining),
    );
  }

  async function verify(token: string | undefined): Promise<{ id: Identity; p: Principal }> {
    const jwt = token ?? await sessionToken?.();
    if (!jwt) throw new InvalidTokenError("no credentials");
    const id = await d.verifier.verify(jwt);
    return { id, p: await d.principals.resolve(id) };
  }

  /** Turns a failed check into the right close: 4401 for bad credentials, retryable otherwise. */
  function closeForError(e: unknown) {
    if (closed) return;
    // Only a verdict on the credentials is a 4401 (clients drop the token and sign in again);
    // our own outage must look retryable, or every client would sign out during it.
    if (e instanceof InvalidTokenError) {
      return close(WS_CLOSE.unauthenticated, "invalid credentials");
    }
    if (e instanceof HttpError && (e.status === 401 || e.status === 403)) {
      return close(WS_CLOSE.unauthenticated, e.code);
    }
    const dependency = e instanceof DependencyUnavailableError;
    d.logger.error("socket failed on our side", { err: e });
    close(
      dependency ? WS_CLOSE.tryAgainLater : WS_CLOSE.internalError,
      dependency ? "temporarily unavailable, retry" : "internal error, retry",
    );
  }

  async function authenticate(token: string | undefined, resume: string | undefined) {
    authenticating = true;
    try {
      const v = await verify(token);
      const s = d.streaming;
      const conversations = s ? await s.conversations(v.p.userId) : [];
      const stream = s ? await s.log.state() : undefined;
      if (closed) return; // timed out or closed meanwhile: nothing to greet, no timer to leak
      principal = v.p;
      identity = v.id;
      armExpiry(v.id);
      if (!s || !stream) return send({ type: "hello", user_id: principal.userId, cursor: "0" });
      const recovery = decideRecovery(resume, stream);
      sub = subscriber(principal.userId, new Set(conversations), s.tail.epoch);
      const live = s.tail.position;
      if (recovery.kind === "resume") {
        sub.live = false;
        sub.deliveredThrough = recovery.after;
        s.hub.add(sub);
        s.onConnect?.(principal, sub);
        send({ type: "hello", user_id: principal.userId, cursor: resume! });
        await catchUp(s, sub, recovery.after);
      } else {
        sub.deliveredThrough = live;
        s.hub.add(sub);
        s.onConnect?.(principal, sub);
        send({
          type: "hello",
          user_id: principal.userId,
          cursor: encodeCursor({ epoch: s.tail.epoch, position: live }),
        });
        if (recovery.kind === "resync") send({ type: "resync_required" });
      }
    } catch (e) {
      closeForError(e);
    } finally {
      authenticating = false;
    }
  }

  /**
   * Replays the log after `after` for this user, then joins the live flow: reads up to what the
   * tail has dispatched, again while the tail moved on, and turns live in the same tick as the
   * last read ends, so no event is missed between the two and none is sent twice.
   */
  async function catchUp(s: Streaming, me: ConnectionSubscriber, after: number) {
    let readThrough = after;
    const page = 500;
    while (!closed) {
      const target = s.tail.position;
      if (readThrough >= target) {
        me.live = true;
        return;
      }
      const rows = await s.log.read(readThrough, target, page, {
        conversations: [...me.conversations],
        userId: me.userId,
      });
      if (closed) return;
      for (const row of rows) s.hub.apply(me, row);
      readThrough = rows.length < page ? target : rows.at(-1)!.position;
    }
  }

  /** The connection's outbound side: a bounded queue in front of the socket. */
  function subscriber(userId: string, conversations: Set<string>, epoch: string) {
    const queue: { conv: string; text: string }[] = [];
    let queuedBytes = 0;
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      if (closed) return;
      while (queue.length) {
        if (socket.bufferedAmount() > limits.ephemeralDropBytes) {
          // The client reads slowly: wait for the socket to drain, without holding up anyone.
          scheduled = true;
          timers.push(setTimeout(flush, 25));
          return;
        }
        const f = queue.shift()!;
        queuedBytes -= f.text.length;
        socket.send(f.text);
      }
    };
    const s: ConnectionSubscriber & { deliveredThrough: number } = {
      id: crypto.randomUUID(),
      userId,
      conversations,
      live: true,
      status: "online",
      activeAt: Date.now(),
      deliveredThrough: 0,
      push(row) {
        if (closed || row.position <= s.deliveredThrough) return;
        s.deliveredThrough = row.position;
        const text = eventFrame(row, epoch);
        queue.push({ conv: row.aggregate_id, text });
        queuedBytes += text.length;
        if (queuedBytes + socket.bufferedAmount() > limits.maxBufferedBytes) {
          return close(WS_CLOSE.tooSlow, "too slow to keep up; resume");
        }
        if (!scheduled) {
          scheduled = true;
          queueMicrotask(flush);
        }
      },
      purge(conv) {
        for (let i = queue.length - 1; i >= 0; i--) {
          if (queue[i]!.conv === conv) {
            queuedBytes -= queue[i]!.text.length;
            queue.splice(i, 1);
          }
        }
      },
      closeWith: (code, reason) => close(code, reason),
      socketClosed,
      ephemeral(frame) {
        if (closed || queue.length || socket.bufferedAmount() > limits.ephemeralDropBytes) return;
        socket.send(JSON.stringify(frame));
      },
    };
    return s;
  }

  return {
    get principal() {
      return principal;
    },
    async onMessage(raw: string) {
      if (raw.length > limits.maxFrameChars) return close(WS_CLOSE.badFrame, "frame too large");
      if (flooding) return;
      if (principal && !takeFrame(principal.userId, limits)) {
        // Read (and drop) what the client already sent before closing: closing with frames
        // unread resets the connection and the client would never see the 4429.
        flooding = true;
        timers.push(setTimeout(() => close(WS_CLOSE.tooManyFrames, "too many frames"), 100));
        return;
      }
      let frame: ClientFrame;
      try {
        frame = ClientFrame.parse(JSON.parse(raw));
      } catch {
        return principal
          ? send({ type: "error", code: "bad_frame", message: "Unrecognised frame" })
          : close(WS_CLOSE.unauthenticated, "expected an auth frame");
      }
      if (!principal) {
        if (frame.type !== "auth" || authenticating) {
          return close(WS_CLOSE.unauthenticated, "expected an auth frame");
        }
        return await authenticate(frame.token, frame.resume);
      }
      if (sub && frame.type !== "ping") sub.activeAt = Date.now();
      switch (frame.type) {
        case "ping":
          return send({ type: "pong" });
        case "auth": {
          // Renewal on an open socket: the same person with fresh credentials.
          try {
            const v = await verify(frame.token);
            if (v.id.sub !== identity!.sub) return close(WS_CLOSE.unauthenticated, "another user");
            identity = v.id;
            principal = v.p;
            armExpiry(v.id);
            return send({ type: "auth_renewed", expires_at: v.id.expiresAt.toISOString() });
          } catch (e) {
            return closeForError(e);
          }
        }
        case "typing":
          if (sub && sub.conversations.has(frame.channel_id)) {
            d.streaming?.onTyping?.(principal, frame.channel_id, sub);
          }
          return;
        case "presence":
          if (sub) d.streaming?.onPresence?.(principal, frame.status, sub);
          return;
      }
    },
    onClose() {
      markSocketClosed();
      if (closed) return;
      closed = true;
      cleanup();
    },
  };
}
