import { startProcess } from "@colink/testing";
import { SERVICES } from "./registry.ts";
import { authorizationMatrix } from "./testdata/authorization_matrix.ts";
import { type ChatTarget, GENEROUS_LIMITS } from "./testdata/chat_client.ts";
import { conversationsSuite } from "./testdata/conversations_suite.ts";

/** Every service in one process on the embedded adapters, as `deno task dev` runs them. */
async function embedded(): Promise<ChatTarget> {
  const proc = await startProcess(SERVICES, { COLINK_ENV: "development", ...GENEROUS_LIMITS });
  return {
    base: proc.base,
    tokenUrl: `${proc.base}/realms/colink/protocol/openid-connect/token`,
    bus: proc.proc.infra.bus!,
    sql: proc.proc.infra.sql!,
    close: () => proc.close(),
  };
}

conversationsSuite("embedded", embedded);
authorizationMatrix("embedded", embedded);
