import type { EventEnvelope } from "@colink/contracts";
import type { Logger } from "@colink/http";
import { type PubSub, type Sql, STREAM_DOORBELL } from "@colink/platform";
import type { StreamState } from "./cursor.ts";

/** One event of the stream at its position. */
export interface StreamRow {
  position: number;
  topic: string;
  aggregate_id: string;
  recipient_id: string | null;
  event: EventEnvelope;
}

/** The durable, commit-ordered event stream (the outbox rows with their positions). */
export interface EventLog {
  state(): Promise<StreamState>;
  /**
   * Rows after `after` and at most `through`, in position order, at most `limit` of them; with
   * `audience`, only the events of those conversations or addressed to that user.
   */
  read(
    after: number,
    through: number,
    limit: number,
    audience?: { conversations: readonly string[]; userId: string },
  ): Promise<StreamRow[]>;
}

export function sqlEventLog(sql: Sql): EventLog {
  return {
    async state() {
      const [s] = await sql.query<{ epoch: string; head: number; pruned_through: number }>(
        "select epoch, head, pruned_through from event_stream",
      );
      return { epoch: s!.epoch, head: s!.head, prunedThrough: s!.pruned_through };
    },
    async read(after, through, limit, audience) {
      const rows = await sql.query<Omit<StreamRow, "event"> & { payload: EventEnvelope }>(
        `select position, topic, aggregate_id, recipient_id, payload from outbox
          where position > $1 and position <= $2
            ${audience ? "and (aggregate_id = any($4::text[]) or recipient_id = $5::uuid)" : ""}
          order by position limit $3`,
        audience
          ? [after, through, limit, audience.conversations, audience.userId]
          : [after, through, limit],
      );
      return rows.map((r) => ({
        position: r.position,
        topic: r.topic,
        aggregate_id: r.aggregate_id,
        recipient_id: r.recipient_id,
        event: r.payload,
      }));
    },
  };
}

export interface StreamTail {
  /** The last position handed to `onRows`: everything up to it was dispatched, in order. */
  readonly position: number;
  readonly epoch: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Follows the stream from its head when started: reads new rows when a relay rings the doorbell
 * (pub/sub) and, in case a ring is lost, every `pollMs` (faster while pub/sub is down), and hands
 * them to `onRows` in position order, one batch at a time. Every instance tails the same stream,
 * so an event reaches clients on every instance whichever instance produced it.
 */
export function createStreamTail(o: {
  log: EventLog;
  pubsub: PubSub;
  logger: Logger;
  onRows(rows: StreamRow[]): void;
  pollMs?: number;
  batch?: number;
}): StreamTail {
  const pollMs = o.pollMs ?? 1_000;
  const batch = o.batch ?? 1_000;
  let position = 0;
  let epoch = "";
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let rung = false;
  let unsubscribe: (() => Promise<void>) | undefined;
  let failures = 0;

  async function drain(): Promise<void> {
    for (;;) {
      const rows = await o.log.read(position, Number.MAX_SAFE_INTEGER, batch);
      if (!rows.length) return;
      position = rows.at(-1)!.position;
      o.onRows(rows);
      if (rows.length < batch) return;
    }
  }

  return {
    get position() {
      return position;
    },
    get epoch() {
      return epoch;
    },
    async start() {
      const s = await o.log.state();
      position = s.head;
      epoch = s.epoch;
      running = true;
      unsubscribe = await o.pubsub.subscribe(STREAM_DOORBELL, () => {
        rung = true;
        wake?.();
      }).catch((e) => {
        o.logger.warn("stream doorbell unavailable; polling", { err: e });
        return undefined;
      });
      loop = (async () => {
        while (running) {
          rung = false;
          try {
            await drain();
            failures = 0;
          } catch (e) {
            failures++;
            o.logger.warn("reading the event stream failed; retrying", { err: e });
          }
          if (rung || !running) continue;
          const delay = failures
            ? Math.min(5_000, 100 * 2 ** failures)
            : unsubscribe && o.pubsub.connected()
            ? pollMs
            : Math.min(pollMs, 200);
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
      await unsubscribe?.().catch(() => {});
    },
  };
}
