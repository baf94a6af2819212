import {
  type BusMessage,
  type DeliveredMessage,
  type EventBus,
  partitionFor,
  type SubscribeOptions,
  type Subscription,
} from "./port.ts";

interface Member {
  id: number;
  topics: Set<string>;
  handler: (m: DeliveredMessage) => Promise<void>;
}

interface Group {
  offsets: Map<string, number>; // "topic/partition" -> next offset to deliver
  members: Member[];
  inFlight: Set<string>;
}

/**
 * In-process bus with Kafka's semantics where they matter to us: partitions by key, per-
 * partition order, consumer groups that split partitions among members, committed offsets
 * that survive a member leaving, and redelivery when a handler throws.
 */
export function createMemoryBus(
  opts: { partitions?: number; retryDelayMs?: number } = {},
): EventBus {
  const partitions = opts.partitions ?? 4;
  const retryDelayMs = opts.retryDelayMs ?? 50;
  const logs = new Map<string, DeliveredMessage[][]>();
  const groups = new Map<string, Group>();
  let nextMember = 1;
  let closed = false;

  const topicLog = (topic: string) => {
    let log = logs.get(topic);
    if (!log) {
      log = Array.from({ length: partitions }, () => []);
      logs.set(topic, log);
    }
    return log;
  };

  const ownerOf = (group: Group, topic: string, partition: number): Member | undefined => {
    const eligible = group.members.filter((m) => m.topics.has(topic));
    return eligible.length ? eligible[partition % eligible.length] : undefined;
  };

  function pump(group: Group) {
    if (closed) return;
    for (const [topic, log] of logs) {
      log.forEach((records, partition) => {
        const slot = `${topic}/${partition}`;
        if (group.inFlight.has(slot)) return;
        const offset = group.offsets.get(slot);
        if (offset === undefined || offset >= records.length) return;
        const member = ownerOf(group, topic, partition);
        if (!member) return;
        group.inFlight.add(slot);
        const record = records[offset]!;
        member.handler(structuredClone(record)).then(
          () => {
            group.offsets.set(slot, offset + 1);
            group.inFlight.delete(slot);
            pump(group);
          },
          () => {
            setTimeout(() => {
              group.inFlight.delete(slot);
              pump(group);
            }, retryDelayMs);
          },
        );
      });
    }
  }

  return {
    kind: "memory",
    ensureTopics(topics) {
      topics.forEach(topicLog);
      return Promise.resolve();
    },
    publish(messages: BusMessage[]) {
      if (closed) return Promise.reject(new Error("bus closed"));
      for (const m of messages) {
        const log = topicLog(m.topic);
        const partition = partitionFor(m.key, partitions);
        log[partition]!.push({
          topic: m.topic,
          key: m.key,
          value: m.value,
          headers: { ...m.headers },
          partition,
          offset: String(log[partition]!.length),
        });
      }
      groups.forEach(pump);
      return Promise.resolve();
    },
    subscribe(o: SubscribeOptions, handler): Promise<Subscription> {
      let group = groups.get(o.group);
      if (!group) {
        group = { offsets: new Map(), members: [], inFlight: new Set() };
        groups.set(o.group, group);
      }
      for (const topic of o.topics) {
        topicLog(topic).forEach((records, partition) => {
          const slot = `${topic}/${partition}`;
          if (!group.offsets.has(slot)) {
            group.offsets.set(slot, o.fromBeginning ? 0 : records.length);
          }
        });
      }
      const member: Member = { id: nextMember++, topics: new Set(o.topics), handler };
      group.members.push(member);
      pump(group);
      const g = group;
      return Promise.resolve({
        close() {
          g.members = g.members.filter((m) => m !== member);
          pump(g);
          return Promise.resolve();
        },
      });
    },
    ping: () => (closed ? Promise.reject(new Error("bus closed")) : Promise.resolve()),
    close() {
      closed = true;
      groups.clear();
      return Promise.resolve();
    },
  };
}
