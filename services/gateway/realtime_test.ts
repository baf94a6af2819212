import { startProcess } from "@colink/testing";
import { SERVICES } from "./registry.ts";
import { GENEROUS_LIMITS } from "./testdata/chat_client.ts";
import { realtimeSuite } from "./testdata/realtime_suite.ts";

realtimeSuite("embedded", async () => {
  const proc = await startProcess(SERVICES, { COLINK_ENV: "development", ...GENEROUS_LIMITS });
  return {
    api: proc.base,
    tokenUrl: `${proc.base}/realms/colink/protocol/openid-connect/token`,
    sockets: [proc.wsBase],
    sql: proc.proc.infra.sql!,
    close: () => proc.close(),
  };
});
