import { type Consumer, Kafka, type LogEntry, logLevel, type Producer } from "kafkajs";
import type { BusMessage, EventBus, SubscribeOptions, Subscription } from "./port.ts";

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  partitions?: number;
  replicationFactor?: number;
  ssl?: boolean;
  sasl?: {
    mechanism: "scram-sha-256" | "scram-sha-512" | "plain";
    username: string;
    password: string;
  };
  /** Where kafkajs's own log lines go (structured); defaults to dropping everything below error. */
  log?: (
    level: "debug" | "warn" | "error",
    message: string,
    fields: Record<string, unknown>,
  ) => void;
}

// Group rebalances and coordinator elections are routine; kafkajs logs them as errors.
// So are leader elections right after a topic is created.
const ROUTINE =
  /rebalancing|GroupCoordinator|coordinator is not available|not the correct coordinator|not the leader/i;

function logCreator(sink: NonNullable<KafkaBusOptions["log"]>) {
  return () => ({ level, log }: LogEntry) => {
    const { message, ...fields } = log;
    const routine = ROUTINE.test(message) || ROUTINE.test(String(fields.error ?? ""));
    const mapped = routine || level > logLevel.WARN
      ? "debug"
      : level === logLevel.WARN
      ? "warn"
      : "error";
    sink(mapped, `kafka: ${message}`, fields);
  };
}

const defaultSink: NonNullable<KafkaBusOptions["log"]> = (level, message, fields) => {
  if (level === "error") console.error(JSON.stringify({ level, msg: message, ...fields }));
};

const toHeaders = (h: Record<string, unknown> | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.entries(h ?? {}).flatMap(([k, v]) => (v == null ? [] : [[k, String(v)]])),
  );

/**
 * The real bus: Apache Kafka through kafkajs. Idempotent producer with acks from all in-sync
 * replicas, so a retried send never duplicates or reorders a partition; consumers commit an
 * offset only after the handler resolved.
 */
export function createKafkaBus(opts: KafkaBusOptions): EventBus {
  const kafka = new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    logLevel: logLevel.INFO,
    logCreator: logCreator(opts.log ?? defaultSink),
    retry: { retries: 8, initialRetryTime: 100 },
    ssl: opts.ssl,
    // deno-lint-ignore no-explicit-any
    sasl: opts.sasl as any,
  });
  let producer: Promise<Producer> | undefined;
  const consumers = new Set<Consumer>();

  /** One producer per bus, even when the first publishes race each other. */
  function getProducer(): Promise<Producer> {
    producer ??= (async () => {
      const p = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      await p.connect();
      return p;
    })().catch((e) => {
      producer = undefined;
      throw e;
    });
    return producer;
  }

  /**
   * Kafka resolves "latest" for a group without offsets lazily, at its first fetch, so records
   * published between subscribe() and that fetch would be skipped. Committing the current end
   * offsets for such a group first makes "only records published after subscribe" exact.
   */
  async function pinNewGroupToEnd(groupId: string, topics: string[]) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const committed = await admin.fetchOffsets({ groupId, topics });
      for (const { topic, partitions } of committed) {
        if (!partitions.some((p) => p.offset === "-1")) continue;
        const ends = await admin.fetchTopicOffsets(topic);
        await admin.setOffsets({
          groupId,
          topic,
          partitions: partitions
            .filter((p) => p.offset === "-1")
            .map((p) => ({
              partition: p.partition,
              offset: ends.find((e) => e.partition === p.partition)!.high,
            })),
        });
      }
    } finally {
      await admin.disconnect();
    }
  }

  return {
    kind: "kafka",
    async ensureTopics(topics) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const existing = new Set(await admin.listTopics());
        const missing = topics.filter((t) => !existing.has(t));
        if (missing.length) {
          await admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((topic) => ({
              topic,
              numPartitions: opts.partitions ?? 6,
              replicationFactor: opts.replicationFactor ?? 1,
            })),
          });
        }
      } finally {
        await admin.disconnect();
      }
    },
    async publish(messages: BusMessage[]) {
      if (!messages.length) return;
      const byTopic = new Map<string, BusMessage[]>();
      for (const m of messages) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
      const p = await getProducer();
      await p.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, ms]) => ({
          topic,
          messages: ms.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
        })),
      });
    },
    async subscribe(o: SubscribeOptions, handler): Promise<Subscription> {
      const consumer = kafka.consumer({
        groupId: o.group,
        sessionTimeout: 10_000,
        heartbeatInterval: 1_000,
        rebalanceTimeout: 10_000,
        retry: { retries: 10, initialRetryTime: 100 },
      });
      consumers.add(consumer);
      if (!o.fromBeginning) await pinNewGroupToEnd(o.group, o.topics);
      await consumer.connect();
      await consumer.subscribe({ topics: o.topics, fromBeginning: o.fromBeginning ?? false });
      const joined = new Promise<void>((resolve) => {
        const off = consumer.on(consumer.events.FETCH_START, () => {
          off();
          resolve();
        });
      });
      await consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          await handler({
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? "",
            value: message.value?.toString() ?? "",
            headers: toHeaders(message.headers as Record<string, unknown>),
          });
        },
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          joined,
          new Promise((_, reject) => {
            timer = setTimeout(
              () =>
                reject(new Error(`consumer group ${o.group} did not start fetching within 30 s`)),
              30_000,
            );
          }),
        ]);
      } catch (e) {
        consumers.delete(consumer);
        await consumer.disconnect();
        throw e;
      } finally {
        clearTimeout(timer);
      }
      return {
        async close() {
          consumers.delete(consumer);
          await consumer.disconnect();
        },
      };
    },
    async ping() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.describeCluster();
      } finally {
        await admin.disconnect();
      }
    },
    async close() {
      await Promise.all([...consumers].map((c) => c.disconnect()));
      consumers.clear();
      const p = producer;
      producer = undefined;
      await (await p?.catch(() => undefined))?.disconnect();
    },
  };
}
