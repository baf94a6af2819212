import { distributedTestEnv, startProcess } from "@colink/testing";
import { channelsService } from "@colink/svc-channels";
import { filesService } from "@colink/svc-files";
import { messagingService } from "@colink/svc-messaging";
import { searchService } from "@colink/svc-search";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";
import { GENEROUS_LIMITS } from "./testdata/chat_client.ts";
import { searchSuite } from "./testdata/search_suite.ts";

// The API in one process and the search service in another, on PostgreSQL, Kafka, Redis, MinIO,
// ClamAV, FerretDB and Keycloak: the index follows the events through Kafka.
searchSuite("postgres index, events through kafka", async () => {
  const { env, tokenUrl, drop } = await distributedTestEnv("search", GENEROUS_LIMITS);
  const api = [gatewayService, usersService, channelsService, messagingService, filesService];
  const registry = [...api, searchService];
  const search = await startProcess([searchService], env, registry);
  const a = await startProcess(api, { ...env, SEARCH_URL: search.base }, registry);
  return {
    base: a.base,
    tokenUrl,
    bus: a.proc.infra.bus!,
    sql: a.proc.infra.sql!,
    async close() {
      await a.close();
      await search.close();
      await drop();
    },
  };
});
