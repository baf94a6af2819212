import assert from "node:assert/strict";
import { freePort, realServers, requireServer, virusScannerContract } from "@colink/testing";
import { createClamdScanner } from "./clamd_scanner.ts";

virusScannerContract("clamd", async () => {
  const { CLAMAV_HOST, CLAMAV_PORT } = realServers();
  const scanner = createClamdScanner({ host: CLAMAV_HOST, port: CLAMAV_PORT });
  await requireServer("ClamAV", `${CLAMAV_HOST}:${CLAMAV_PORT}`, () => scanner.ping());
  return scanner;
});

Deno.test("a clamd that is not there is an error, never a clean verdict", async () => {
  const scanner = createClamdScanner({ host: "127.0.0.1", port: freePort() });
  await assert.rejects(scanner.scan(new Uint8Array([1, 2, 3])));
});
