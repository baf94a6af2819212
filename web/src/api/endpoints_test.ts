import assert from "node:assert/strict";
import { qs } from "./endpoints.ts";

Deno.test("qs() keeps the parameters that have a value, encoded", () => {
  assert.equal(qs({}), "");
  assert.equal(qs({ a: undefined, b: null, c: "" }), "");
  assert.equal(
    qs({ active: true, limit: 50, cursor: "x y/z" }),
    "?active=true&limit=50&cursor=x+y%2Fz",
  );
  assert.equal(qs({ since: "2026-12-02T13:00:00.000Z" }), "?since=2026-12-02T13%3A00%3A00.000Z");
});
