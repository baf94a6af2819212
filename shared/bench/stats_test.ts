import assert from "node:assert/strict";
import { markdownTable, percentile, summarize, table } from "./stats.ts";

Deno.test("percentile() uses the nearest rank", () => {
  const s = Array.from({ length: 10 }, (_, i) => i + 1);
  assert.equal(percentile(s, 50), 5);
  assert.equal(percentile(s, 90), 9);
  assert.equal(percentile(s, 99), 10);
  assert.equal(percentile([7], 50), 7);
});

Deno.test("table() prints each case's p50 as a ratio of the baseline's", () => {
  const out = table([summarize("bare", [10, 10, 10]), summarize("colink", [25, 25, 25])], "bare");
  assert.match(out, /\| bare \| 3 \| 10\.0 .* \| 1\.00x \|/);
  assert.match(out, /\| colink \| 3 \| 25\.0 .* \| 2\.50x \|/);
});

Deno.test("markdownTable() pads columns and right-aligns numeric ones", () => {
  const out = markdownTable(["case", "req/s"], [["bare", "100000"], ["colink /me", "1900"]]);
  assert.equal(
    out,
    [
      "| case       |  req/s |",
      "| ---------- | -----: |",
      "| bare       | 100000 |",
      "| colink /me |   1900 |",
    ].join("\n"),
  );
});
