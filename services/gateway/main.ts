import { seedDevData } from "@colink/db";
import { createLogger, type LogLevel } from "@colink/http";
import { serve } from "@colink/runtime";
import { DIST_DIR, haveSources, keepFresh } from "@colink/web/build";
import { webClient } from "@colink/web/serve";
import { gatewayService } from "./app.ts";
import { SERVICES } from "./registry.ts";

// Embedded (default): every service in this one process on embedded adapters, dev data seeded,
// web client served. Distributed: the gateway alone (and the web client), in front of the
// other services.
await serve((env) => {
  const name = env.COLINK_MODE === "embedded" ? "colink" : "gateway";
  // From a source checkout outside production, web/dist/ follows the sources: built in the
  // background at start if stale (the API is up at once), and checked again before each page,
  // so `deno task dev` on a clean checkout serves a fresh client with nothing pre-built.
  // Production serves what `deno task web:build` produced.
  let prepare: (() => Promise<void>) | undefined;
  if (env.COLINK_ENV !== "production" && haveSources()) {
    const logger = createLogger(name, env.LOG_LEVEL as LogLevel);
    prepare = keepFresh({ log: (level, msg, fields) => logger[level](msg, { ...fields }) });
    void prepare();
  }
  const web = (isApi: (path: string) => boolean) => webClient({ dir: DIST_DIR, isApi, prepare });
  return env.COLINK_MODE === "embedded"
    ? {
      name,
      services: SERVICES,
      web,
      beforeRoutes: async (infra) => {
        if (env.COLINK_ENV === "development" && infra.sql) await seedDevData(infra.sql);
      },
    }
    : { name, services: [gatewayService], registry: SERVICES, web };
});
