import assert from "node:assert/strict";
import { parseQuery } from "./parse_query.ts";

Deno.test("parseQuery() reads words, phrases and every operator", () => {
  assert.deepEqual(
    parseQuery(
      'deploym in:#general from:@bob before:2026-01-01 after:2025-06-01 has:file is:thread "exact  phrase"',
    ),
    {
      terms: ["deploym"],
      phrases: ["exact phrase"],
      in: ["general"],
      from: ["bob"],
      before: "2026-01-01",
      after: "2025-06-01",
      hasFile: true,
      isThread: true,
    },
  );
});

Deno.test("parseQuery() takes unknown operators and stray quotes as words", () => {
  const p = parseQuery('has:cats is:happy "unbalanced 東京');
  assert.deepEqual(p.terms, ["has:cats", "is:happy", "unbalanced", "東京"]);
  assert.deepEqual(p.phrases, []);
  assert.equal(p.hasFile, false);
});

Deno.test("parseQuery() of nothing is nothing", () => {
  assert.deepEqual(parseQuery("   ").terms, []);
  assert.deepEqual(parseQuery('""').phrases, []);
});
