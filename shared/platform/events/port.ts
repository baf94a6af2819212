/** A record to publish. `key` picks the partition: records with one key keep their order. */
export interface BusMessage {
  topic: string;
  key: string;
  value: string;
  headers?: Record<string, string>;
}

export interface DeliveredMessage {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

export interface SubscribeOptions {
  /** Consumer group: each record goes to one member of each group. */
  group: string;
  topics: string[];
  /** Where a group with no committed position starts: the oldest record, or only new ones. */
  fromBeginning?: boolean;
}

export interface Subscription {
  close(): Promise<void>;
}

/**
 * The event-bus port: Kafka through kafkajs, or in-process. Delivery is at least once: a
 * record is committed only after the handler resolves, and redelivered if the handler throws
 * or the member dies first, so handlers must be idempotent (see outbox/consume_once.ts).
 */
export interface EventBus {
  readonly kind: "kafka" | "memory";
  ensureTopics(topics: string[]): Promise<void>;
  /** Resolves once every record is durably accepted. */
  publish(messages: BusMessage[]): Promise<void>;
  /** Resolves once the member has joined its group and will see records published after. */
  subscribe(
    opts: SubscribeOptions,
    handler: (m: DeliveredMessage) => Promise<void>,
  ): Promise<Subscription>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A stable hash for partitioning by key (FNV-1a 32-bit). */
export function partitionFor(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}
