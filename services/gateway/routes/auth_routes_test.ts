import assert from "node:assert/strict";
import { safeReturnTo } from "./auth_routes.ts";

Deno.test("safeReturnTo() keeps same-site paths and turns every other target into /", () => {
  for (const ok of ["/", "/channels/general", "/search?q=a%20b#hit"]) {
    assert.equal(safeReturnTo(ok), ok);
  }
  for (
    const bad of [
      undefined,
      "",
      "https://evil.example/",
      "//evil.example",
      "/\\evil.example",
      "/\t/evil.example",
      "/\n/evil.example",
      "javascript:alert(1)",
      "channels",
    ]
  ) {
    assert.equal(safeReturnTo(bad), "/", JSON.stringify(bad));
  }
});
