import { backoffDelay } from "./backoff.ts";
import { everOpen, failedAttempts, type SocketState, socketState } from "./status.ts";

/** The part of the browser's WebSocket the client uses (tests pass a fake). */
export interface WebSocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface RealtimeHandlers {
  /** Authenticated; `resumed` when the server was asked to replay from our cursor. */
  onHello(info: { resumed: boolean; userId: string }): void;
  /** `durable` events carry a cursor (messages, reactions, channels, reads); others do not. */
  onEvent(event: string, data: unknown, durable: boolean): void;
  /** The server cannot replay what we missed: reload state without reloading the page. */
  onResync(): void;
  /** Closed as unauthenticated or expired: true when the browser session still stands. */
  onUnauthenticated(): Promise<boolean>;
}

export interface RealtimeOptions {
  url: string;
  handlers: RealtimeHandlers;
  createSocket?: (url: string) => WebSocketLike;
  random?: () => number;
  /** Milliseconds before reconnect attempt `n` (default: `backoffDelay`). */
  delay?: (attempt: number) => number;
  /** A ping this often; no frame within `pongTimeoutMs` after it means the link is dead. */
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
}

type Frame =
  | { type: "hello"; user_id: string; cursor: string }
  | { type: "event"; cursor?: string; event: string; data: unknown }
  | { type: "pong" }
  | { type: "resync_required" }
  | { type: "error"; code: string; message: string };

/** Close codes after which the same credentials may not work: ask the session first. */
const AUTH_CLOSES = new Set([4401, 4403]);

/**
 * One WebSocket per tab to /ws, authenticated by the session cookie. Reconnects with
 * exponential backoff and jitter, and resumes from the cursor of the last durable event it saw,
 * so nothing is missed or repeated; when the server cannot replay, it says so and the app
 * reloads its state.
 */
export class RealtimeClient {
  /** Position after the last durable event applied (or the first hello's). */
  cursor: string | undefined;
  private ws: WebSocketLike | undefined;
  private attempt = 0;
  private running = false;
  private helloCursor: string | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly create: (url: string) => WebSocketLike;
  private readonly random: () => number;

  constructor(private readonly o: RealtimeOptions) {
    this.create = o.createSocket ?? ((url) => new WebSocket(url) as unknown as WebSocketLike);
    this.random = o.random ?? Math.random;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.reconnectTimer);
    this.dropSocket();
    this.setState("idle");
  }

  /** Reconnect at once (the browser came back online, the tab became visible). */
  nudge(): void {
    if (!this.running || this.ws) return;
    clearTimeout(this.reconnectTimer);
    this.attempt = 0;
    this.connect();
  }

  /** Ephemeral frames (typing, presence); dropped while disconnected, as they may be. */
  send(frame: Record<string, unknown>): void {
    if (this.ws?.readyState === 1 && this.helloCursor !== undefined) {
      this.ws.send(JSON.stringify(frame));
    }
  }

  private setState(s: SocketState): void {
    socketState.value = s;
  }

  private connect(state?: SocketState): void {
    this.setState(state ?? (everOpen.value || this.attempt > 0 ? "reconnecting" : "connecting"));
    this.helloCursor = undefined;
    let ws: WebSocketLike;
    try {
      ws = this.create(this.o.url);
    } catch {
      return this.scheduleReconnect();
    }
    this.ws = ws;
    ws.onopen = () => {
      ws.send(
        JSON.stringify(this.cursor ? { type: "auth", resume: this.cursor } : { type: "auth" }),
      );
    };
    ws.onmessage = (ev) => {
      if (ws !== this.ws || typeof ev.data !== "string") return;
      let frame: Frame;
      try {
        frame = JSON.parse(ev.data);
      } catch {
        return;
      }
      this.onFrame(frame);
    };
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      if (ws === this.ws) this.onClosed(ev.code);
    };
  }

  private onFrame(f: Frame): void {
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
    switch (f.type) {
      case "hello": {
        const resumed = this.cursor !== undefined;
        this.helloCursor = f.cursor;
        if (!resumed) this.cursor = f.cursor;
        this.attempt = 0;
        failedAttempts.value = 0;
        everOpen.value = true;
        this.setState("open");
        this.startPing();
        this.o.handlers.onHello({ resumed, userId: f.user_id });
        return;
      }
      case "event":
        if (f.cursor) this.cursor = f.cursor;
        this.o.handlers.onEvent(f.event, f.data, f.cursor !== undefined);
        return;
      case "resync_required":
        // What we hold is stale beyond repair: continue from where this connection started.
        this.cursor = this.helloCursor;
        this.o.handlers.onResync();
        return;
      default:
        return;
    }
  }

  private startPing(): void {
    clearInterval(this.pingTimer);
    const every = this.o.pingIntervalMs ?? 25_000;
    this.pingTimer = setInterval(() => {
      const ws = this.ws;
      if (!ws || ws.readyState !== 1) return;
      ws.send(JSON.stringify({ type: "ping" }));
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => {
        // A half-open connection never closes by itself: give up on it and reconnect.
        if (ws === this.ws) {
          this.dropSocket();
          this.onClosed(4408);
        }
      }, this.o.pongTimeoutMs ?? 10_000);
    }, every);
  }

  private dropSocket(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.pingTimer = this.pongTimer = undefined;
    const ws = this.ws;
    this.ws = undefined;
    if (ws) {
      ws.onclose = ws.onmessage = ws.onopen = null;
      try {
        ws.close(1000, "client closing");
      } catch { /* already closed */ }
    }
  }

  private onClosed(code: number): void {
    this.dropSocket();
    if (!this.running) return;
    if (AUTH_CLOSES.has(code)) {
      // A cookie socket cannot renew its token in place: when it expires (4403) the session
      // check refreshes it and we resume at once, without a banner for a routine renewal.
      const expired = code === 4403;
      this.setState(expired ? "renewing" : "reconnecting");
      this.o.handlers.onUnauthenticated().then((stillSignedIn) => {
        if (!this.running) return;
        if (!stillSignedIn) this.stop();
        else if (expired && this.attempt === 0) this.connect("renewing");
        else this.scheduleReconnect();
      });
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    failedAttempts.value++;
    this.setState("reconnecting");
    const n = this.attempt++;
    const delay = this.o.delay ? this.o.delay(n) : backoffDelay(n, this.random);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }
}
