import { startProcess } from "@colink/testing";
import { SERVICES } from "./registry.ts";
import { GENEROUS_LIMITS } from "./testdata/chat_client.ts";
import { FILES_SUITE_ENV, filesSuite, type FilesTarget } from "./testdata/files_suite.ts";

/** Every service in one process on the embedded adapters, as `deno task dev` runs them. */
async function embedded(): Promise<FilesTarget> {
  const proc = await startProcess(SERVICES, {
    COLINK_ENV: "development",
    ...GENEROUS_LIMITS,
    ...FILES_SUITE_ENV,
  });
  return {
    base: proc.base,
    tokenUrl: `${proc.base}/realms/colink/protocol/openid-connect/token`,
    bus: proc.proc.infra.bus!,
    sql: proc.proc.infra.sql!,
    docs: proc.proc.infra.docs!,
    close: () => proc.close(),
  };
}

filesSuite("embedded", embedded);
