export type ScanResult = { status: "clean" } | { status: "infected"; signature: string };

/**
 * Virus-scanner port: the ClamAV daemon (INSTREAM over TCP), or an embedded scanner matching
 * ClamAV hash signatures. A scanner that cannot give an answer throws: callers keep the file
 * quarantined ("pending") rather than ever treating an error as clean.
 */
export interface VirusScanner {
  readonly kind: "clamd" | "signatures";
  scan(data: Uint8Array | ReadableStream<Uint8Array>): Promise<ScanResult>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Yields a source as chunks of at most `size` bytes. */
export async function* chunks(
  data: Uint8Array | ReadableStream<Uint8Array>,
  size = 64 * 1024,
): AsyncGenerator<Uint8Array> {
  if (data instanceof Uint8Array) {
    for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
    return;
  }
  for await (const chunk of data) {
    for (let i = 0; i < chunk.length; i += size) yield chunk.subarray(i, i + size);
  }
}
