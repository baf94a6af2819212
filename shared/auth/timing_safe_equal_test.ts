import assert from "node:assert/strict";
import { timingSafeEqual } from "./timing_safe_equal.ts";

Deno.test("timingSafeEqual() is plain equality on its results", () => {
  assert.equal(timingSafeEqual("abc", "abc"), true);
  assert.equal(timingSafeEqual("abc", "abd"), false);
  assert.equal(timingSafeEqual("abc", "ab"), false);
  assert.equal(timingSafeEqual("", ""), true);
  assert.equal(timingSafeEqual("é", "e"), false);
});
