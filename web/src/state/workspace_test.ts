import assert from "node:assert/strict";
import { parseRoute } from "./workspace.ts";

Deno.test("parseRoute(): conversations, and the admin view with its tab", () => {
  const id = "00000000-0000-4000-b000-000000000001";
  assert.deepEqual(parseRoute(`/w/colink/channel/${id}`), {
    slug: "colink",
    conv: { kind: "channel", id },
  });
  assert.deepEqual(parseRoute("/w/colink"), { slug: "colink", conv: undefined });
  assert.deepEqual(parseRoute("/w/colink/admin/audit"), { slug: "colink", admin: "audit" });
  assert.deepEqual(parseRoute("/w/colink/admin"), { slug: "colink", admin: "reports" });
  assert.deepEqual(parseRoute("/w/colink/admin/nonsense"), { slug: "colink", admin: "reports" });
  assert.deepEqual(parseRoute("/elsewhere"), {});
});
