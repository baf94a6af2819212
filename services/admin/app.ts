import { createChatDeps } from "@colink/conversations";
import { defineService, type ServiceDeps } from "@colink/runtime";
import { createAuditMirror } from "./actions/audit.ts";
import type { AdminDeps } from "./actions/deps.ts";
import { keycloakAdmin } from "./actions/keycloak.ts";
import { liftExpiredBans } from "./actions/moderation.ts";
import { AdminConfig } from "./config.ts";
import { adminRoutes } from "./routes/admin_routes.ts";

type Deps = ServiceDeps<"sql" | "bus" | "kv" | "docs", AdminConfig>;

/** One set of admin dependencies per process, shared by the routes and the background sweep. */
const built = new WeakMap<object, AdminDeps>();
function adminDeps(d: Deps): AdminDeps {
  let a = built.get(d.infra);
  if (!a) {
    a = {
      chat: createChatDeps({
        sql: d.infra.sql,
        kv: d.infra.kv,
        eventsCommitted: d.eventsCommitted,
      }),
      principals: d.principals,
      kv: d.infra.kv,
      docs: d.infra.docs,
      identity: keycloakAdmin(d.config, d.oidc.issuer),
      logger: d.logger,
    };
    built.set(d.infra, a);
  }
  return a;
}

/**
 * The admin service: moderation actions, the report queue, thread locks and the audit log (its
 * PostgreSQL table is the authority; the seed's MongoDB audit blobs follow it).
 */
export const adminService = defineService({
  name: "admin",
  needs: ["sql", "bus", "kv", "docs"],
  paths: [{ prefix: "/api/v1/admin", access: "caller" }],
  publishesEvents: true,
  config: AdminConfig,
  routes: (d) => adminRoutes(adminDeps(d), d.auth),
  background: (d) => {
    const a = adminDeps(d);
    const mirror = createAuditMirror(a);
    let stopped = false;
    let running: Promise<void> | undefined;
    // One pass at a time: a slow pass makes the next tick a no-op rather than a queue.
    const tick = () => {
      if (stopped || running) return;
      running = (async () => {
        await liftExpiredBans(a).catch((e) =>
          d.logger.error("admin: lifting expired bans failed", { err: e })
        );
        await mirror.run().catch((e) =>
          d.logger.warn("admin: copying the audit log to the document store failed", { err: e })
        );
      })().finally(() => (running = undefined));
    };
    const timer = setInterval(tick, d.config.ADMIN_SWEEP_INTERVAL_SEC * 1000);
    tick();
    return async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    };
  },
});
