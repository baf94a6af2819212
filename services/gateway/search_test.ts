import { startProcess } from "@colink/testing";
import { SERVICES } from "./registry.ts";
import { GENEROUS_LIMITS } from "./testdata/chat_client.ts";
import { searchSuite } from "./testdata/search_suite.ts";

// Every service in one process on the embedded adapters: the PostgreSQL index on PGlite.
searchSuite("embedded", async () => {
  const proc = await startProcess(SERVICES, { COLINK_ENV: "development", ...GENEROUS_LIMITS });
  return {
    base: proc.base,
    tokenUrl: `${proc.base}/realms/colink/protocol/openid-connect/token`,
    bus: proc.proc.infra.bus!,
    sql: proc.proc.infra.sql!,
    close: () => proc.close(),
  };
});
