import assert from "node:assert/strict";
import { parseConfig } from "@colink/config";
import { silentLogger } from "@colink/http";
import { assemble, RuntimeEnv } from "@colink/runtime";
import { createResponseChecker } from "@colink/testing";
import { SERVICES } from "./registry.ts";

const toTemplate = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

Deno.test({
  name: "/openapi.json documents every API route of every service, and the checker catches drift",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dataDir = await Deno.makeTempDir();
    const proc = await assemble(
      "colink",
      SERVICES,
      parseConfig(RuntimeEnv, { DATA_DIR: dataDir, COLINK_ENV: "test" }),
      {
        logger: silentLogger,
      },
    );
    try {
      const res = await proc.app.request("/openapi.json");
      assert.equal(res.status, 200);
      const doc = await res.json();
      assert.equal(doc.openapi, "3.1.0");

      const undocumented = (all: { method: string; path: string }[]) => {
        const routes = all.filter((r) =>
          r.method !== "ALL" && /^\/(api\/|ws$|health$|ready$|metrics$)/.test(r.path)
        );
        assert.ok(routes.length >= 8, `found ${routes.length} routes`);
        return [
          ...new Set(
            routes
              .filter((r) => !doc.paths[toTemplate(r.path)]?.[r.method.toLowerCase()])
              .map((r) => `${r.method} ${r.path}`),
          ),
        ];
      };

      await t.step(
        "every /api, /ws and operations route registered on the app is in the document",
        () => {
          assert.deepEqual(undocumented(proc.app.routes), []);
        },
      );

      await t.step("a route added without a contract is reported", () => {
        const sneaky = { method: "GET", path: "/api/v1/sneaky/:id" };
        assert.deepEqual(undocumented([...proc.app.routes, sneaky]), ["GET /api/v1/sneaky/:id"]);
      });

      await t.step(
        "every documented operation declares the error shape for 401 when it needs a token",
        () => {
          for (
            const [path, ops] of Object.entries<
              Record<string, { security?: unknown[]; responses: Record<string, unknown> }>
            >(doc.paths)
          ) {
            for (const [method, op] of Object.entries(ops)) {
              if (op.security?.length) {
                assert.ok(op.responses["401"], `${method.toUpperCase()} ${path} lacks 401`);
              }
            }
          }
        },
      );

      await t.step(
        "the response checker rejects a body that breaks its schema, and an undeclared status",
        () => {
          const checker = createResponseChecker(doc);
          checker.check("GET", "/health", 200, { status: "ok", service: "x" });
          assert.throws(
            () => checker.check("GET", "/health", 200, { status: "fine" }),
            /does not match/,
          );
          assert.throws(() => checker.check("GET", "/health", 418, {}), /does not declare/);
          assert.throws(
            () => checker.check("GET", "/api/v1/nowhere", 200, {}),
            /not in the OpenAPI document/,
          );
          assert.throws(
            () =>
              checker.check("GET", `/api/v1/users/${crypto.randomUUID()}`, 200, {
                id: "not-a-uuid",
              }),
            /does not match/,
          );
        },
      );
    } finally {
      await proc.stop();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
