import assert from "node:assert/strict";
import type { VirusScanner } from "@colink/platform";

/** The EICAR test file: harmless, and detected by every scanner by agreement. */
export const EICAR = new TextEncoder().encode(
  "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
);

const streamOf = (bytes: Uint8Array, chunk: number) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += chunk) c.enqueue(bytes.slice(i, i + chunk));
      c.close();
    },
  });

/** The VirusScanner port's contract (file uploads are quarantined until this says clean). */
export function virusScannerContract(adapter: string, make: () => Promise<VirusScanner>): void {
  Deno.test({
    name: `virus scanner contract [${adapter}]`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const scanner = await make();
      try {
        await t.step("answers a ping", () => scanner.ping());

        await t.step(
          "finds the EICAR test file, given whole or as a stream of small chunks",
          async () => {
            const whole = await scanner.scan(EICAR);
            assert.equal(whole.status, "infected");
            assert.match((whole as { signature: string }).signature, /eicar/i);
            assert.equal((await scanner.scan(streamOf(EICAR, 7))).status, "infected");
          },
        );

        await t.step(
          "passes clean content, including an empty file and 5 MB streamed",
          async () => {
            assert.deepEqual(await scanner.scan(new TextEncoder().encode("quarterly report")), {
              status: "clean",
            });
            assert.deepEqual(await scanner.scan(new Uint8Array()), { status: "clean" });
            const big = new Uint8Array(5 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
            assert.deepEqual(await scanner.scan(streamOf(big, 256 * 1024)), { status: "clean" });
          },
        );

        await t.step("EICAR with one byte changed is not the EICAR file", async () => {
          const altered = EICAR.slice();
          altered[0] = "Y".charCodeAt(0);
          assert.deepEqual(await scanner.scan(altered), { status: "clean" });
        });
      } finally {
        await scanner.close();
      }
    },
  });
}
