import assert from "node:assert/strict";
import { OpenAPIHono } from "@hono/zod-openapi";
import { distributedTestEnv, startProcess } from "@colink/testing";
import { defineService } from "./service.ts";

const quiet = defineService({
  name: "quiet",
  needs: ["sql", "bus"],
  routes: () => new OpenAPIHono(),
});
const publisher = defineService({
  name: "publisher",
  needs: ["sql", "bus"],
  publishesEvents: true,
  routes: () => new OpenAPIHono(),
});

Deno.test({
  name:
    "only a process whose services publish events runs an outbox relay, in both modes (PostgreSQL, Kafka, Redis)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const d = await distributedTestEnv("relay");
    try {
      const consumerOnly = await startProcess([quiet], d.env);
      try {
        assert.equal(consumerOnly.proc.relay, undefined);
      } finally {
        await consumerOnly.close();
      }
      const publishing = await startProcess([publisher], d.env);
      try {
        assert.ok(publishing.proc.relay, "a publishing service's process has a relay");
      } finally {
        await publishing.close();
      }
      const embeddedQuiet = await startProcess([quiet]);
      try {
        assert.equal(embeddedQuiet.proc.relay, undefined);
      } finally {
        await embeddedQuiet.close();
      }
      // `deno task dev` mounts every service, publishers among them: one relay for all.
      const embeddedAll = await startProcess([quiet, publisher]);
      try {
        assert.ok(embeddedAll.proc.relay);
      } finally {
        await embeddedAll.close();
      }
    } finally {
      await d.drop();
    }
  },
});
