import assert from "node:assert/strict";
import { previewSize } from "../components/Files.tsx";
import { formatBytes } from "../components/format.ts";
import { mediaTypeOf, safeFilename } from "./uploads.ts";

Deno.test("safeFilename() makes names the server accepts, keeping the extension", () => {
  assert.equal(safeFilename("report.pdf"), "report.pdf");
  assert.equal(safeFilename("  spaced .txt  "), "spaced .txt");
  assert.equal(safeFilename("a/b\\c\u0007.png"), "a_b_c_.png");
  assert.equal(safeFilename(".."), "file");
  assert.equal(safeFilename("   "), "file");
  const long = safeFilename(`${"x".repeat(300)}.jpeg`);
  assert.equal(long.length, 255);
  assert.ok(long.endsWith("x.jpeg"));
});

Deno.test("mediaTypeOf(): the browser's type without parameters, or a guess from the name", () => {
  assert.equal(mediaTypeOf({ name: "a.png", type: "image/png" }), "image/png");
  assert.equal(mediaTypeOf({ name: "a.txt", type: "Text/Plain; charset=utf-8" }), "text/plain");
  assert.equal(mediaTypeOf({ name: "notes.md", type: "" }), "text/markdown");
  assert.equal(mediaTypeOf({ name: "data.CSV", type: "" }), "text/csv");
  assert.equal(mediaTypeOf({ name: "blob", type: "" }), "application/octet-stream");
  assert.equal(mediaTypeOf({ name: "x.bin", type: "not a type" }), "application/octet-stream");
});

Deno.test("formatBytes() reads like a file manager", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1024), "1 KB");
  assert.equal(formatBytes(8_960), "8.8 KB");
  assert.equal(formatBytes(1_234_567), "1.2 MB");
  assert.equal(formatBytes(100 * 1024 * 1024), "100 MB");
  assert.equal(formatBytes(3 * 1024 ** 3), "3 GB");
});

Deno.test("previewSize() keeps the aspect ratio within 360 px and never enlarges", () => {
  assert.deepEqual(previewSize({ width: 640, height: 400 }), { width: 360, height: 225 });
  assert.deepEqual(previewSize({ width: 300, height: 1200 }), { width: 90, height: 360 });
  assert.deepEqual(previewSize({ width: 120, height: 80 }), { width: 120, height: 80 });
  assert.equal(previewSize(null), undefined);
});
