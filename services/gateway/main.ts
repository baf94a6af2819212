import { seedDevData } from "@colink/db";
import { serve } from "@colink/runtime";
import { gatewayService } from "./app.ts";
import { SERVICES } from "./registry.ts";

const webRoot = new URL("../../web/public/", import.meta.url).pathname;

// Embedded (default): every service in this one process on embedded adapters, dev data seeded,
// web client served. Distributed: the gateway alone (and the web client), in front of the
// other services.
await serve((env) =>
  env.COLINK_MODE === "embedded"
    ? {
      name: "colink",
      services: SERVICES,
      webRoot,
      beforeRoutes: async (infra) => {
        if (env.COLINK_ENV === "development" && infra.sql) await seedDevData(infra.sql);
      },
    }
    : { name: "gateway", services: [gatewayService], registry: SERVICES, webRoot }
);
