import { distributedTestEnv, realServers, startProcess, uniqueSuffix } from "@colink/testing";
import { dropOpenSearchIndexes } from "../search/index/opensearch_index.ts";
import { channelsService } from "@colink/svc-channels";
import { filesService } from "@colink/svc-files";
import { messagingService } from "@colink/svc-messaging";
import { searchService } from "@colink/svc-search";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";
import { GENEROUS_LIMITS } from "./testdata/chat_client.ts";
import { searchSuite } from "./testdata/search_suite.ts";

// The API in one process and the search service in another, on PostgreSQL, Kafka, Redis, MinIO,
// ClamAV, FerretDB and Keycloak, once with the PostgreSQL index and once with a real OpenSearch
// node (deploy/local): the index follows the events through Kafka.
for (const engine of ["postgres", "opensearch"] as const) {
  searchSuite(`${engine} index, events through kafka`, async () => {
    const { env, tokenUrl, drop } = await distributedTestEnv("search", GENEROUS_LIMITS);
    const prefix = `colink-test-${uniqueSuffix().toLowerCase().replace(/[^a-z0-9]/g, "")}-`;
    const searchEnv = engine === "opensearch"
      ? { ...env, OPENSEARCH_URL: realServers().OPENSEARCH_URL, OPENSEARCH_INDEX_PREFIX: prefix }
      : env;
    const api = [gatewayService, usersService, channelsService, messagingService, filesService];
    const registry = [...api, searchService];
    const search = await startProcess([searchService], searchEnv, registry);
    const a = await startProcess(api, { ...env, SEARCH_URL: search.base }, registry);
    return {
      base: a.base,
      tokenUrl,
      bus: a.proc.infra.bus!,
      sql: a.proc.infra.sql!,
      async close() {
        await a.close();
        await search.close();
        if (engine === "opensearch") {
          await dropOpenSearchIndexes(realServers().OPENSEARCH_URL, prefix);
        }
        await drop();
      },
    };
  });
}
