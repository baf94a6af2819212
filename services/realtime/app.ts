import type { Infra } from "@colink/platform/wiring";
import { defineService } from "@colink/runtime";
import { createRealtimeInstance, type RealtimeInstance } from "./actions/instance.ts";
import { RealtimeConfig } from "./config.ts";
import { wsRoutes } from "./routes/ws_routes.ts";

/** One instance per process, shared by the routes and the background lifecycle. */
const instances = new WeakMap<object, RealtimeInstance>();
function instanceFor(
  infra: Infra<"sql" | "kv" | "pubsub" | "bus">,
  logger: Parameters<typeof createRealtimeInstance>[0]["logger"],
): RealtimeInstance {
  let i = instances.get(infra);
  if (!i) instances.set(infra, i = createRealtimeInstance({ ...infra, logger }));
  return i;
}

/** The realtime service: WebSocket gateway with resumable per-user event streams. */
export const realtimeService = defineService({
  name: "realtime",
  needs: ["sql", "kv", "pubsub", "bus"],
  // The socket authenticates in its first frame; the cookie is honoured on the upgrade.
  paths: [{ prefix: "/ws", access: "session" }],
  config: RealtimeConfig,
  routes: ({ infra, verifier, principals, logger, config }) => {
    const instance = instanceFor(infra, logger);
    return wsRoutes({
      verifier,
      principals,
      logger,
      streaming: instance.streaming,
      stopping: () => instance.stopping,
      idleTimeoutSeconds: config.WS_IDLE_TIMEOUT_SEC,
      limits: { maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES },
    });
  },
  background: ({ infra, logger }) => {
    const instance = instanceFor(infra, logger);
    instance.start().catch((e) =>
      logger.error("realtime: following the stream failed", { err: e })
    );
    return () => instance.stop();
  },
});
