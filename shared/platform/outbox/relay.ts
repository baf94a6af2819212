import type { EventBus } from "../events/port.ts";
import type { Sql } from "../sql/port.ts";
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER } from "./outbox.ts";

export interface OutboxRelayOptions {
  sql: Sql;
  bus: EventBus;
  batchSize?: number;
  /** How often to look for new rows when nobody kicks the relay. */
  pollMs?: number;
  /** Published rows, and consumers' dedupe records, are kept this long (default 7 days). */
  retentionMs?: number;
  onError?: (e: unknown) => void;
}

export interface OutboxRelay {
  /** Publishes one batch; returns how many rows it published (0 if another relay holds the lock). */
  runOnce(): Promise<number>;
  /** Deletes published rows and dedupe records older than the retention; returns rows deleted. */
  prune(): Promise<number>;
  /** Wakes the loop now (in-process writers call this after commit to cut latency). */
  kick(): void;
  start(): void;
  stop(): Promise<void>;
}

const RELAY_LOCK_KEY = 4_204_202_412;

/**
 * Moves committed outbox rows to the bus, oldest first. Rows are marked published only after
 * the bus acknowledged them, in the same transaction that selected them: a relay that dies in
 * between leaves them unmarked and the next run publishes them again (at least once; consumers
 * dedupe on the event id header). A transaction-scoped advisory lock lets one relay work at a
 * time, so several replicas never reorder an aggregate's events.
 */
export function createOutboxRelay(o: OutboxRelayOptions): OutboxRelay {
  const batchSize = o.batchSize ?? 200;
  const pollMs = o.pollMs ?? 100;
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  async function runOnce(): Promise<number> {
    return await o.sql.transaction(async (tx) => {
      const [lock] = await tx.query<{ ok: boolean }>("select pg_try_advisory_xact_lock($1) as ok", [
        RELAY_LOCK_KEY,
      ]);
      if (!lock?.ok) return 0;
      const rows = await tx.query<
        { id: number; event_id: string; topic: string; aggregate_id: string; payload: unknown }
      >(
        `select id, event_id, topic, aggregate_id, payload from outbox
          where published_at is null order by id limit $1`,
        [batchSize],
      );
      if (!rows.length) return 0;
      await o.bus.publish(rows.map((r) => ({
        topic: r.topic,
        key: r.aggregate_id,
        value: JSON.stringify(r.payload),
        headers: { [EVENT_ID_HEADER]: r.event_id, [EVENT_TYPE_HEADER]: r.topic },
      })));
      await tx.query("update outbox set published_at = now() where id = any($1::bigint[])", [
        rows.map((r) => r.id),
      ]);
      return rows.length;
    });
  }

  const retentionMs = o.retentionMs ?? 7 * 24 * 3600_000;
  async function prune(): Promise<number> {
    const cutoff = new Date(Date.now() - retentionMs);
    const gone = await o.sql.query("delete from outbox where published_at < $1 returning id", [
      cutoff,
    ]);
    // A consumer can only see a duplicate while the relay may still republish it: keeping dedupe
    // records as long as published rows covers every redelivery the outbox can cause.
    await o.sql.query("delete from processed_events where processed_at < $1", [cutoff]);
    return gone.length;
  }
  let lastPrune = 0;
  let failures = 0;

  return {
    runOnce,
    prune,
    kick: () => wake?.(),
    start() {
      if (running) return;
      running = true;
      loop = (async () => {
        while (running) {
          let published = 0;
          let delay = pollMs;
          try {
            published = await runOnce();
            if (Date.now() - lastPrune > 600_000) {
              lastPrune = Date.now();
              await prune();
            }
            failures = 0;
          } catch (e) {
            o.onError?.(e);
            // The database or the bus is down: back off (up to 5 s) instead of spinning.
            failures++;
            delay = Math.min(5_000, pollMs * 2 ** failures);
          }
          if ((published >= batchSize && failures === 0) || !running) continue;
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, delay);
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
          wake = undefined;
        }
      })();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
  };
}
