import assert from "node:assert/strict";
import { isValidEmoji } from "./emoji.ts";

Deno.test("isValidEmoji() accepts one Unicode emoji, with skin tone or as a ZWJ sequence", () => {
  for (const e of ["👍", "👍🏽", "👨‍👩‍👧", "🎉", "❤️", "🇫🇷"]) {
    assert.equal(isValidEmoji(e), true, e);
  }
});

Deno.test("isValidEmoji() accepts a :short_name:", () => {
  for (const e of [":tada:", ":+1:", ":thumbs_up:", ":x-ray:"]) {
    assert.equal(isValidEmoji(e), true, e);
  }
});

Deno.test("isValidEmoji() rejects text, several emoji, markup and malformed short names", () => {
  for (
    const e of ["abc", "👍👍", "<script>", ":a b:", "", "::", ":tada", "tada:", ":Tada:", "👍 "]
  ) {
    assert.equal(isValidEmoji(e), false, JSON.stringify(e));
  }
});
