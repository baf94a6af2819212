import {
  ClientFrame,
  DependencyUnavailableError,
  type ServerFrame,
  WS_CLOSE,
} from "@colink/contracts";
import {
  InvalidTokenError,
  type Principal,
  type PrincipalResolver,
  type TokenVerifier,
} from "@colink/auth";
import { HttpError, type Logger } from "@colink/http";

export interface Socket {
  send(frame: ServerFrame): void;
  close(code: number, reason: string): void;
}

export interface ConnectionDeps {
  verifier: TokenVerifier;
  principals: PrincipalResolver;
  logger: Logger;
  /** How long a new socket may stay unauthenticated. */
  authTimeoutMs?: number;
}

/**
 * One WebSocket connection's protocol: nothing but an `auth` frame is accepted until the
 * caller proved who they are (a token in the frame, or the browser session's token found on
 * the upgrade request); a bad or missing proof closes with 4401. The socket also closes when
 * the token expires, so a revoked user cannot keep listening on an old connection.
 */
export interface Connection {
  readonly principal: Principal | undefined;
  onMessage(raw: string): Promise<void>;
  onClose(): void;
}

export function createConnection(
  socket: Socket,
  d: ConnectionDeps,
  sessionToken?: () => Promise<string | undefined>,
): Connection {
  let principal: Principal | undefined;
  let authenticating = false;
  let closed = false;
  const timers: ReturnType<typeof setTimeout>[] = [];
  const close = (code: number, reason: string) => {
    closed = true;
    timers.forEach(clearTimeout);
    socket.close(code, reason);
  };
  timers.push(setTimeout(() => {
    if (principal) return;
    // Still checking the credentials when time is up: the slowness is ours (database, IdP),
    // not the client's, so the close must say "retry", not "your token is bad".
    if (authenticating) close(WS_CLOSE.tryAgainLater, "authentication is slow, retry");
    else close(WS_CLOSE.unauthenticated, "authentication timeout");
  }, d.authTimeoutMs ?? 5_000));

  async function authenticate(token: string | undefined) {
    authenticating = true;
    try {
      const jwt = token ?? await sessionToken?.();
      if (!jwt) return close(WS_CLOSE.unauthenticated, "no credentials");
      const identity = await d.verifier.verify(jwt);
      const resolved = await d.principals.resolve(identity);
      if (closed) return; // timed out or closed meanwhile: nothing to greet, no timer to leak
      principal = resolved;
      const remaining = identity.expiresAt.getTime() - Date.now();
      timers.push(
        setTimeout(() => close(WS_CLOSE.tokenExpired, "token expired"), Math.max(0, remaining)),
      );
      socket.send({ type: "hello", user_id: principal.userId, cursor: "0" });
    } catch (e) {
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
      d.logger.error("socket authentication failed on our side", { err: e });
      close(
        dependency ? WS_CLOSE.tryAgainLater : WS_CLOSE.internalError,
        dependency ? "temporarily unavailable, retry" : "internal error, retry",
      );
    } finally {
      authenticating = false;
    }
  }

  return {
    get principal() {
      return principal;
    },
    async onMessage(raw: string) {
      let frame: ClientFrame;
      try {
        frame = ClientFrame.parse(JSON.parse(raw));
      } catch {
        return principal
          ? socket.send({ type: "error", code: "bad_frame", message: "Unrecognised frame" })
          : close(WS_CLOSE.unauthenticated, "expected an auth frame");
      }
      if (!principal) {
        if (frame.type !== "auth" || authenticating) {
          return close(WS_CLOSE.unauthenticated, "expected an auth frame");
        }
        return await authenticate(frame.token);
      }
      if (frame.type === "ping") socket.send({ type: "pong" });
    },
    onClose() {
      closed = true;
      timers.forEach(clearTimeout);
    },
  };
}
