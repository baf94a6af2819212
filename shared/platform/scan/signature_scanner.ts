import { createHash } from "node:crypto";
import { chunks, type ScanResult, type VirusScanner } from "./port.ts";

/**
 * ClamAV hash signatures (`.hdb` lines: md5:size:name). The built-in one is the EICAR test file,
 * the industry-standard harmless "virus" every scanner detects, so the quarantine path can be
 * exercised without ClamAV.
 */
export const BUILTIN_SIGNATURES = ["44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature"];

/** The embedded scanner: whole-file MD5 signatures, the same format clamd loads from .hdb files. */
export function createSignatureScanner(extraSignatures: string[] = []): VirusScanner {
  const bySize = new Map<number, Map<string, string>>();
  for (const line of [...BUILTIN_SIGNATURES, ...extraSignatures]) {
    const m = /^([0-9a-f]{32}):(\d+):(.+)$/i.exec(line.trim());
    if (!m) throw new Error(`not a hash signature: ${line}`);
    const size = Number(m[2]);
    if (!bySize.has(size)) bySize.set(size, new Map());
    bySize.get(size)!.set(m[1]!.toLowerCase(), m[3]!);
  }
  return {
    kind: "signatures",
    async scan(data): Promise<ScanResult> {
      const md5 = createHash("md5");
      let size = 0;
      for await (const chunk of chunks(data)) {
        md5.update(chunk);
        size += chunk.length;
      }
      const name = bySize.get(size)?.get(md5.digest("hex"));
      return name ? { status: "infected", signature: name } : { status: "clean" };
    },
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
