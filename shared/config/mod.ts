import { z } from "zod";

/** Thrown when the environment does not satisfy a service's config schema; lists every bad field. */
export class ConfigError extends Error {
  constructor(readonly fields: { name: string; message: string }[]) {
    super(
      "invalid configuration:\n" + fields.map((f) => `  ${f.name}: ${f.message}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/**
 * Parses an environment once, in main.ts, against a zod object schema. Empty strings count as
 * unset so `FOO=` in a compose file falls back to the default instead of failing validation.
 */
export function parseConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((i) => ({
      name: i.path.join(".") || "(root)",
      message: i.message,
    })),
  );
}

/** Comma-separated list, e.g. `KAFKA_BROKERS=a:9092,b:9092`. */
export const csv = z.string().transform((s) =>
  s.split(",").map((x) => x.trim()).filter((x) => x.length > 0)
);

/** "true"/"false"/"1"/"0" as a boolean (zod's coerce treats "false" as true). */
export const flag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

export const port = z.coerce.number().int().min(0).max(65535);
