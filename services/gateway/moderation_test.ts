import { startProcess } from "@colink/testing";
import { SERVICES } from "./registry.ts";
import { GENEROUS_LIMITS } from "./testdata/chat_client.ts";
import { moderationSuite } from "./testdata/moderation_suite.ts";

// Every service in one process on the embedded adapters (no Keycloak to disable: grace is banned
// and let back in by the suite).
moderationSuite("embedded", async () => {
  const proc = await startProcess(SERVICES, {
    COLINK_ENV: "development",
    ADMIN_SWEEP_INTERVAL_SEC: "0.5",
    ...GENEROUS_LIMITS,
  });
  return {
    base: proc.base,
    otherApi: proc.base,
    wsBase: proc.wsBase,
    tokenUrl: `${proc.base}/realms/colink/protocol/openid-connect/token`,
    bus: proc.proc.infra.bus!,
    sql: proc.proc.infra.sql!,
    docs: proc.proc.infra.docs!,
    banTarget: () =>
      Promise.resolve({
        username: "grace",
        password: "colink-dev",
        cleanup: () => Promise.resolve(),
      }),
    close: () => proc.close(),
  };
});
