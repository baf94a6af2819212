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
  /**
   * Called after new rows got stream positions, with the stream's new head: the realtime
   * gateways' doorbell (they read the rows themselves; a missed call only delays them).
   */
  onAdvance?: (head: number) => void;
  /** How long a kick waits for more commits to join it (default 2 ms). */
  kickDelayMs?: number;
}

export interface OutboxRelay {
  /**
   * Gives committed rows their stream positions, then publishes one batch; returns how many rows
   * it published (0 if another relay holds the lock).
   */
  runOnce(): Promise<number>;
  /** Assigns stream positions to committed rows (in id order); returns how many. */
  sequence(): Promise<number>;
  /** Deletes published rows and dedupe records older than the retention; returns rows deleted. */
  prune(): Promise<number>;
  /** Wakes the loop now (in-process writers call this after commit to cut latency). */
  kick(): void;
  start(): void;
  stop(): Promise<void>;
}

const RELAY_LOCK_KEY = 4_204_202_412;
const SEQUENCER_LOCK_KEY = 4_204_202_413;

/**
 * Moves committed outbox rows to the bus, oldest first, in two independent steps:
 *
 * 1. Sequencing gives each committed row the next position of the event stream (one total
 *    order, the realtime gateway's resume cursor). One sequencer at a time (an advisory lock),
 *    and a row is positioned only once it is committed and visible, so positions never move and
 *    a reader that sees position n sees every position below it that will ever exist.
 *    Sequencing needs only the database: with Kafka down, realtime delivery goes on.
 * 2. Publishing sends positioned rows to the bus in position order and marks them published in
 *    the transaction that selected them, after the bus acknowledged them: a relay that dies in
 *    between leaves them unmarked and the next run publishes them again (at least once;
 *    consumers dedupe on the event id header). One publisher at a time, so several replicas
 *    never reorder an aggregate's events.
 */
export function createOutboxRelay(o: OutboxRelayOptions): OutboxRelay {
  const batchSize = o.batchSize ?? 200;
  const pollMs = o.pollMs ?? 100;
  let running = false;
  let loop: Promise<void> | undefined;

  async function sequence(): Promise<number> {
    const head = await o.sql.transaction(async (tx) => {
      const [lock] = await tx.query<{ ok: boolean }>("select pg_try_advisory_xact_lock($1) as ok", [
        SEQUENCER_LOCK_KEY,
      ]);
      if (!lock?.ok) return undefined;
      const [stream] = await tx.query<{ head: number }>(
        "select head from event_stream for update",
      );
      const rows = await tx.query<{ position: number }>(
        `with next as (
           select id, row_number() over (order by id) as n from outbox
            where position is null order by id limit $2)
         update outbox set position = $1 + next.n from next where outbox.id = next.id
         returning outbox.position`,
        [stream!.head, batchSize * 5],
      );
      if (!rows.length) return undefined;
      const top = stream!.head + rows.length;
      await tx.query("update event_stream set head = $1", [top]);
      return top;
    });
    if (head === undefined) return 0;
    o.onAdvance?.(head);
    return 1;
  }

  async function publish(): Promise<number> {
    return await o.sql.transaction(async (tx) => {
      const [lock] = await tx.query<{ ok: boolean }>("select pg_try_advisory_xact_lock($1) as ok", [
        RELAY_LOCK_KEY,
      ]);
      if (!lock?.ok) return 0;
      const rows = await tx.query<
        { id: number; event_id: string; topic: string; aggregate_id: string; payload: unknown }
      >(
        `select id, event_id, topic, aggregate_id, payload from outbox
          where published_at is null and position is not null order by position limit $1`,
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

  async function runOnce(): Promise<number> {
    await sequence();
    return await publish();
  }

  const retentionMs = o.retentionMs ?? 7 * 24 * 3600_000;
  async function prune(): Promise<number> {
    const cutoff = new Date(Date.now() - retentionMs);
    const gone = await o.sql.transaction(async (tx) => {
      const rows = await tx.query<{ position: number | null }>(
        "delete from outbox where published_at < $1 and position is not null returning position",
        [cutoff],
      );
      const top = Math.max(0, ...rows.map((r) => r.position ?? 0));
      // Resuming from below a deleted position would silently skip it: such cursors must resync.
      if (top) {
        await tx.query(
          "update event_stream set pruned_through = greatest(pruned_through, $1)",
          [top],
        );
      }
      return rows.length;
    });
    // A consumer can only see a duplicate while the relay may still republish it: keeping dedupe
    // records as long as published rows covers every redelivery the outbox can cause.
    await o.sql.query("delete from processed_events where processed_at < $1", [cutoff]);
    return gone;
  }
  let lastPrune = 0;
  let kickTimer: ReturnType<typeof setTimeout> | undefined;
  const kickDelayMs = o.kickDelayMs ?? 2;
  /** Wakers of the two loops' sleeps (a kick wakes the sequencer, new positions the publisher). */
  const wakers = {
    sequence: undefined as (() => void) | undefined,
    publish: undefined as (() => void) | undefined,
  };
  const sleep = (ms: number, which: keyof typeof wakers) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wakers[which] = () => {
        clearTimeout(t);
        resolve();
      };
    }).finally(() => (wakers[which] = undefined));

  /** Positions (and prunes) on its own: a bus that hangs or is down never holds it up. */
  async function sequencingLoop() {
    let failures = 0;
    while (running) {
      let delay = pollMs;
      try {
        if (await sequence()) wakers.publish?.();
        if (Date.now() - lastPrune > 600_000) {
          lastPrune = Date.now();
          await prune();
        }
        failures = 0;
      } catch (e) {
        o.onError?.(e);
        // The database is down: back off (up to 5 s) instead of spinning.
        failures++;
        delay = Math.min(5_000, pollMs * 2 ** failures);
      }
      if (running) await sleep(delay, "sequence");
    }
  }

  async function publishingLoop() {
    let failures = 0;
    while (running) {
      let published = 0;
      let delay = pollMs;
      try {
        published = await publish();
        failures = 0;
      } catch (e) {
        o.onError?.(e);
        // The bus (or the database) is down: retry with a backoff of up to 5 s; positions keep
        // being assigned meanwhile, so realtime delivery goes on.
        failures++;
        delay = Math.min(5_000, pollMs * 2 ** failures);
      }
      if (published >= batchSize || !running) continue;
      await sleep(delay, "publish");
    }
  }

  return {
    runOnce,
    sequence,
    prune,
    // Coalesced: a burst of commits wakes the relay once, not once per commit (each run is two
    // transactions that would otherwise compete with the writers).
    kick() {
      if (kickTimer !== undefined) return;
      kickTimer = setTimeout(() => {
        kickTimer = undefined;
        wakers.sequence?.();
      }, kickDelayMs);
    },
    start() {
      if (running) return;
      running = true;
      loop = Promise.all([sequencingLoop(), publishingLoop()]).then(() => {});
    },
    async stop() {
      running = false;
      if (kickTimer !== undefined) clearTimeout(kickTimer);
      wakers.sequence?.();
      wakers.publish?.();
      await loop;
    },
  };
}
