import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { upgradeWebSocket } from "hono/deno";
import { requestToken } from "@colink/auth";
import { HttpError } from "@colink/http";
import { type ConnectionDeps, createConnection } from "../actions/connection.ts";

export type WsDeps = ConnectionDeps & {
  /** True while the instance shuts down: upgrades get 503 so the client resumes elsewhere. */
  stopping?: () => boolean;
  /** Seconds without a pong to the server's ping before the socket is closed (0: never). */
  idleTimeoutSeconds?: number;
};

const wsRoute = createRoute({
  method: "get",
  path: "/ws",
  tags: ["realtime"],
  summary: "The realtime WebSocket (frames: shared/API.md, 'WebSocket')",
  responses: {
    101: {
      description:
        "Switched to WebSocket; authenticate with an auth frame within 5 s or be closed with 4401",
    },
    426: { description: "Not a WebSocket upgrade request" },
    503: { description: "This instance is shutting down; connect again (another instance)" },
  },
});

/** GET /ws: the realtime socket. The route only adapts the transport; see actions/connection.ts. */
export function wsRoutes(d: WsDeps): OpenAPIHono {
  const app = new OpenAPIHono();
  const upgrade = upgradeWebSocket((c) => {
    // A browser authenticated by its session cookie: the gateway's edge found its token (embedded
    // mode), or the distributed gateway bridged the socket with it on the upstream handshake.
    const sessionToken = requestToken(c);
    let conn: ReturnType<typeof createConnection> | undefined;
    return {
      onOpen(_evt, ws) {
        conn = createConnection(
          {
            send: (text: string) => ws.readyState === 1 && ws.send(text),
            close: (code, reason) => ws.close(code, reason),
            bufferedAmount: () => (ws.raw as WebSocket | undefined)?.bufferedAmount ?? 0,
          },
          d,
          sessionToken ? () => Promise.resolve(sessionToken) : undefined,
        );
      },
      async onMessage(evt) {
        await conn?.onMessage(typeof evt.data === "string" ? evt.data : "");
      },
      onClose() {
        conn?.onClose();
      },
    };
  }, { idleTimeout: d.idleTimeoutSeconds ?? 30 });
  app.use("/ws", async (c, next) => {
    if (d.stopping?.()) {
      c.header("retry-after", "1");
      throw new HttpError(503, "shutting_down", "This instance is restarting; connect again");
    }
    await next();
  });
  app.use("/ws", upgrade);
  app.openapi(wsRoute, () => {
    throw new HttpError(426, "upgrade_required", "GET /ws expects a WebSocket upgrade");
  });
  return app;
}
