import { freshPostgresDatabase } from "./fresh_database.ts";
import { realServers } from "./real_servers.ts";

/**
 * The production wiring for a test: the real servers, a database of its own, Redis keys under
 * its own prefix, a document database of its own, Keycloak as the issuer, MinIO and ClamAV. `overrides` replace any setting (e.g. another Redis).
 */
export async function distributedTestEnv(
  label: string,
  overrides: Record<string, string> = {},
): Promise<{ env: Record<string, string>; tokenUrl: string; drop(): Promise<void> }> {
  const s = realServers();
  const db = await freshPostgresDatabase(label);
  const env = {
    COLINK_MODE: "distributed",
    DATABASE_URL: db.url,
    REDIS_URL: s.REDIS_URL,
    REDIS_PREFIX: `${db.name}:`, // this stack's own keys, like its own database
    KAFKA_BROKERS: s.KAFKA_BROKERS,
    OIDC_ISSUER: `${s.KEYCLOAK_URL}/realms/colink`,
    S3_ENDPOINT: s.S3_ENDPOINT,
    S3_REGION: s.S3_REGION,
    S3_BUCKET: s.S3_BUCKET,
    S3_ACCESS_KEY_ID: s.S3_ACCESS_KEY_ID,
    S3_SECRET_ACCESS_KEY: s.S3_SECRET_ACCESS_KEY,
    MONGO_URL: s.MONGO_URL,
    MONGO_DB: db.name, // documents of its own, like its own database
    CLAMAV_HOST: s.CLAMAV_HOST,
    CLAMAV_PORT: String(s.CLAMAV_PORT),
    SESSION_ENCRYPTION_KEY: btoa(
      String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))),
    ),
    ...overrides,
  };
  return {
    env,
    tokenUrl: `${env.OIDC_ISSUER}/protocol/openid-connect/token`,
    drop: () => db.drop(),
  };
}
