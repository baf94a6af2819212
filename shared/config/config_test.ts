import assert from "node:assert/strict";
import { z } from "zod";
import { ConfigError, csv, flag, parseConfig, port } from "./mod.ts";

const schema = z.object({
  PORT: port.default(8000),
  DATABASE_URL: z.url(),
  KAFKA_BROKERS: csv,
  DEBUG: flag.default(false),
});

Deno.test("parseConfig() applies defaults and transforms", () => {
  const cfg = parseConfig(schema, {
    DATABASE_URL: "postgres://x@y/z",
    KAFKA_BROKERS: "a:1, b:2",
    DEBUG: "false",
    PORT: "",
  });
  assert.deepEqual(cfg, {
    PORT: 8000,
    DATABASE_URL: "postgres://x@y/z",
    KAFKA_BROKERS: ["a:1", "b:2"],
    DEBUG: false,
  });
});

Deno.test("parseConfig() names every invalid field at once", () => {
  try {
    parseConfig(schema, { PORT: "99999", DATABASE_URL: "nope" });
    assert.fail("expected ConfigError");
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.deepEqual(e.fields.map((f) => f.name).sort(), ["DATABASE_URL", "KAFKA_BROKERS", "PORT"]);
    assert.match(e.message, /PORT/);
  }
});
