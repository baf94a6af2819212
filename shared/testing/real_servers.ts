import { z } from "zod";
import { parseConfig } from "@colink/config";

/**
 * Where the integration tests find the real servers. Defaults match deploy/local/ (see
 * deploy/local/env.sh), so `deploy/local/up.sh && deno task test` needs no extra wiring.
 * A server that is not there fails its tests, loudly; nothing is skipped.
 */
const RealServersEnv = z.object({
  DATABASE_URL: z.string().default("postgres://colink:colink@127.0.0.1:55432/colink"),
  REDIS_URL: z.string().default("redis://127.0.0.1:56379"),
  KAFKA_BROKERS: z.string().default("127.0.0.1:59092"),
  S3_ENDPOINT: z.string().default("http://127.0.0.1:59000"),
  S3_REGION: z.string().default("us-east-1"),
  S3_BUCKET: z.string().default("colink-files"),
  S3_ACCESS_KEY_ID: z.string().default("colink"),
  S3_SECRET_ACCESS_KEY: z.string().default("colink-secret-key"),
  MONGO_URL: z.string().default("mongodb://127.0.0.1:57017/"),
  MONGO_DB: z.string().default("colink"),
  KEYCLOAK_URL: z.string().default("http://127.0.0.1:58080"),
  /** The master realm's bootstrap admin (deploy/local/services/keycloak.sh). */
  KEYCLOAK_ADMIN_USERNAME: z.string().default("admin"),
  KEYCLOAK_ADMIN_PASSWORD: z.string().default("admin"),
  OPENSEARCH_URL: z.string().default("http://127.0.0.1:59200"),
  CLAMAV_HOST: z.string().default("127.0.0.1"),
  CLAMAV_PORT: z.coerce.number().default(53310),
});
export type RealServers = z.infer<typeof RealServersEnv>;

let cached: RealServers | undefined;
export function realServers(): RealServers {
  cached ??= parseConfig(RealServersEnv, Deno.env.toObject());
  return cached;
}

/** Wraps a connection failure with what to run, so a missing server is obvious in CI logs. */
export async function requireServer<T>(
  name: string,
  where: string,
  connect: () => Promise<T>,
): Promise<T> {
  try {
    return await connect();
  } catch (e) {
    throw new Error(
      `${name} is not reachable at ${where}: start it with 'deploy/local/up.sh' (${
        e instanceof Error ? e.message : e
      })`,
    );
  }
}
