import { distributedTestEnv, startProcess } from "@colink/testing";
import { channelsService } from "@colink/svc-channels";
import { filesService } from "@colink/svc-files";
import { messagingService } from "@colink/svc-messaging";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";
import { GENEROUS_LIMITS } from "./testdata/chat_client.ts";
import { FILES_SUITE_ENV, filesSuite, type FilesTarget } from "./testdata/files_suite.ts";

/** The services files need, on MinIO, ClamAV, FerretDB, PostgreSQL, Redis, Kafka and Keycloak. */
async function distributed(): Promise<FilesTarget> {
  const { env, tokenUrl, drop } = await distributedTestEnv("files", {
    ...GENEROUS_LIMITS,
    ...FILES_SUITE_ENV,
  });
  const services = [gatewayService, usersService, channelsService, messagingService, filesService];
  const proc = await startProcess(services, env, services);
  return {
    base: proc.base,
    tokenUrl,
    bus: proc.proc.infra.bus!,
    sql: proc.proc.infra.sql!,
    docs: proc.proc.infra.docs!,
    async close() {
      await proc.close();
      await drop();
    },
  };
}

filesSuite("minio + clamav + ferretdb + postgres + redis + kafka + keycloak", distributed);
