import { z } from "zod";
import { ConfigError, csv, flag } from "@colink/config";
import { EVENT_TYPES } from "@colink/contracts";
import type { BlobStore } from "./blob/port.ts";
import { createFsBlobStore, type FsBlobStore } from "./blob/fs_blob_store.ts";
import type { DocumentStore } from "./docs/port.ts";
import { createMemoryDocumentStore } from "./docs/memory_document_store.ts";
import type { EventBus } from "./events/port.ts";
import { createMemoryBus } from "./events/memory_bus.ts";
import type { KeyValue, PubSub } from "./kv/port.ts";
import { createMemoryKeyValue, createMemoryPubSub } from "./kv/memory_kv.ts";
import { createClamdScanner } from "./scan/clamd_scanner.ts";
import type { VirusScanner } from "./scan/port.ts";
import { createSignatureScanner } from "./scan/signature_scanner.ts";
import { createPgliteSql } from "./sql/pglite_sql.ts";
import type { Sql } from "./sql/port.ts";

/**
 * The environment that decides which adapters a process constructs. This is the only place
 * where embedded and distributed mode differ (DESIGN.md, "Two ways to run, one code path").
 */
export const InfraEnv = z.object({
  COLINK_MODE: z.enum(["embedded", "distributed"]).default("embedded"),
  COLINK_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATA_DIR: z.string().default("./data"),
  PUBLIC_URL: z.url().default("http://localhost:8000"),
  BLOB_SIGNING_SECRET: z.string().min(32).optional(),
  DATABASE_URL: z.string().optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().positive().default(10),
  REDIS_URL: z.string().optional(),
  /** Namespace of every Redis key and channel, so deployments (or test runs) can share a Redis. */
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]*$/).default("colink:"),
  /** A Redis command not answered within this fails, so a hung Redis never stalls requests. */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(500),
  KAFKA_BROKERS: csv.optional(),
  KAFKA_PARTITIONS: z.coerce.number().int().positive().default(6),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().positive().default(1),
  /** TLS to the brokers (MSK's TLS listener); SASL/SCRAM when a username is set. */
  KAFKA_SSL: flag.default(false),
  KAFKA_SASL_MECHANISM: z.enum(["scram-sha-256", "scram-sha-512", "plain"]).default(
    "scram-sha-512",
  ),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  /** Omit for AWS S3 itself; set for MinIO and other S3-compatible servers. */
  S3_ENDPOINT: z.string().optional(),
  /** Path-style URLs (MinIO); AWS S3 wants virtual-hosted style. Default: path style iff S3_ENDPOINT. */
  S3_FORCE_PATH_STYLE: flag.optional(),
  S3_PUBLIC_ENDPOINT: z.string().optional(),
  S3_REGION: z.string().default("us-east-1"),
  S3_BUCKET: z.string().default("colink-files"),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  MONGO_URL: z.string().optional(),
  MONGO_DB: z.string().default("colink"),
  CLAMAV_HOST: z.string().optional(),
  CLAMAV_PORT: z.coerce.number().int().positive().default(3310),
});
export type InfraEnv = z.infer<typeof InfraEnv>;

export interface AllPorts {
  sql: Sql;
  bus: EventBus;
  kv: KeyValue;
  pubsub: PubSub;
  blobs: BlobStore;
  docs: DocumentStore;
  scanner: VirusScanner;
}
export type Need = keyof AllPorts;

export type Infra<N extends Need> = Pick<AllPorts, N> & {
  mode: InfraEnv["COLINK_MODE"];
  /** Set in embedded mode: the store whose signed URLs the app must serve at /blobs/*. */
  fsBlobs?: FsBlobStore;
  /** One readiness probe per constructed port, for /ready. */
  checks: Record<string, () => Promise<unknown>>;
  close(): Promise<void>;
};

const REQUIRED_IN_DISTRIBUTED: Record<Need, (keyof InfraEnv)[]> = {
  sql: ["DATABASE_URL"],
  bus: ["KAFKA_BROKERS"],
  kv: ["REDIS_URL"],
  pubsub: ["REDIS_URL"],
  blobs: ["S3_BUCKET"],
  docs: ["MONGO_URL"],
  scanner: ["CLAMAV_HOST"],
};

async function devSigningSecret(dataDir: string): Promise<string> {
  const path = `${dataDir}/blob-signing.key`;
  try {
    return (await Deno.readTextFile(path)).trim();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    const secret = Array.from(
      crypto.getRandomValues(new Uint8Array(32)),
      (b) => b.toString(16).padStart(2, "0"),
    )
      .join("");
    await Deno.mkdir(dataDir, { recursive: true });
    await Deno.writeTextFile(path, secret, { mode: 0o600 });
    return secret;
  }
}

async function embedded(need: Need, env: InfraEnv, extra: { fsBlobs?: FsBlobStore }) {
  const dir = env.DATA_DIR;
  switch (need) {
    case "sql":
      return await createPgliteSql({ dataDir: `${dir}/pglite` });
    case "bus":
      return createMemoryBus();
    case "kv":
      return createMemoryKeyValue();
    case "pubsub":
      return createMemoryPubSub();
    case "docs":
      return await createMemoryDocumentStore({ dir: `${dir}/documents` });
    case "scanner":
      return createSignatureScanner();
    case "blobs":
      extra.fsBlobs = await createFsBlobStore({
        root: `${dir}/blobs`,
        publicBaseUrl: env.PUBLIC_URL.replace(/\/$/, ""),
        signingSecret: env.BLOB_SIGNING_SECRET ?? await devSigningSecret(dir),
      });
      return extra.fsBlobs;
  }
}

const redisOptions = (env: InfraEnv) => ({
  prefix: env.REDIS_PREFIX,
  commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
});

async function distributed(need: Need, env: InfraEnv, clientId: string) {
  switch (need) {
    case "sql": {
      const { createPostgresSql } = await import("./sql/postgres_sql.ts");
      return createPostgresSql({
        url: env.DATABASE_URL!,
        maxConnections: env.DATABASE_POOL_MAX,
        applicationName: clientId,
      });
    }
    case "bus": {
      const { createKafkaBus } = await import("./events/kafka_bus.ts");
      return createKafkaBus({
        brokers: env.KAFKA_BROKERS!,
        clientId,
        partitions: env.KAFKA_PARTITIONS,
        replicationFactor: env.KAFKA_REPLICATION_FACTOR,
        ssl: env.KAFKA_SSL,
        sasl: env.KAFKA_SASL_USERNAME
          ? {
            mechanism: env.KAFKA_SASL_MECHANISM,
            username: env.KAFKA_SASL_USERNAME,
            password: env.KAFKA_SASL_PASSWORD ?? "",
          }
          : undefined,
      });
    }
    case "kv": {
      const { createRedisKeyValue } = await import("./kv/redis_kv.ts");
      return createRedisKeyValue(env.REDIS_URL!, redisOptions(env));
    }
    case "pubsub": {
      const { createRedisPubSub } = await import("./kv/redis_kv.ts");
      return createRedisPubSub(env.REDIS_URL!, redisOptions(env));
    }
    case "docs": {
      const { createMongoDocumentStore } = await import("./docs/mongo_document_store.ts");
      return await createMongoDocumentStore({ url: env.MONGO_URL!, db: env.MONGO_DB });
    }
    case "scanner":
      return createClamdScanner({ host: env.CLAMAV_HOST!, port: env.CLAMAV_PORT });
    case "blobs": {
      const { createS3BlobStore } = await import("./blob/s3_blob_store.ts");
      return await createS3BlobStore({
        endpoint: env.S3_ENDPOINT,
        publicEndpoint: env.S3_PUBLIC_ENDPOINT,
        region: env.S3_REGION,
        bucket: env.S3_BUCKET,
        accessKeyId: env.S3_ACCESS_KEY_ID,
        secretAccessKey: env.S3_SECRET_ACCESS_KEY,
        forcePathStyle: env.S3_FORCE_PATH_STYLE ?? env.S3_ENDPOINT !== undefined,
      });
    }
  }
}

/**
 * Constructs the adapters a process needs: embedded ones in embedded mode, real ones in
 * distributed mode (failing fast, naming every missing setting). Creates the bus topics.
 */
export async function createInfra<N extends Need>(
  env: InfraEnv,
  needs: readonly N[],
  clientId: string,
): Promise<Infra<N>> {
  if (env.COLINK_MODE === "distributed") {
    const missing = [...new Set(needs.flatMap((n) => REQUIRED_IN_DISTRIBUTED[n]))].filter((k) =>
      env[k] === undefined
    );
    if (missing.length) {
      throw new ConfigError(
        missing.map((name) => ({ name, message: "required in distributed mode" })),
      );
    }
  }
  const extra: { fsBlobs?: FsBlobStore } = {};
  const ports: Partial<AllPorts> = {};
  const built: { close(): Promise<void> }[] = [];
  try {
    for (const need of [...new Set(needs)]) {
      const port = env.COLINK_MODE === "embedded"
        ? await embedded(need, env, extra)
        : await distributed(need, env, clientId);
      built.push(port);
      (ports as Record<Need, unknown>)[need] = port;
    }
    if (ports.bus) await ports.bus.ensureTopics([...EVENT_TYPES]);
  } catch (e) {
    await Promise.allSettled(built.map((p) => p.close()));
    throw e;
  }
  const checks: Record<string, () => Promise<unknown>> = {};
  for (const [name, port] of Object.entries(ports)) {
    checks[name] = () => (port as { ping(): Promise<void> }).ping?.() ?? Promise.resolve();
  }
  return {
    ...(ports as Pick<AllPorts, N>),
    mode: env.COLINK_MODE,
    fsBlobs: extra.fsBlobs,
    checks,
    async close() {
      await Promise.allSettled(built.reverse().map((p) => p.close()));
    },
  };
}
