import type { EventEnvelope } from "@colink/contracts";
import type { SqlExecutor } from "../sql/port.ts";

/**
 * Records events in the outbox inside the caller's transaction: they reach the bus if and only
 * if the domain write commits. Call only from domain actions, with the action's transaction.
 */
export async function appendToOutbox(tx: SqlExecutor, events: EventEnvelope[]): Promise<void> {
  for (const ev of events) {
    await tx.query(
      `insert into outbox (event_id, topic, aggregate_id, recipient_id, payload)
       values ($1, $2, $3, $4, $5::jsonb)`,
      [ev.id, ev.type, ev.aggregate_id, ev.recipient_id ?? null, JSON.stringify(ev)],
    );
  }
}

/** Kafka record headers every outbox event carries. */
export const EVENT_ID_HEADER = "colink-event-id";
export const EVENT_TYPE_HEADER = "colink-event-type";

/** The pub/sub channel on which relays announce a new event-stream head (realtime's doorbell). */
export const STREAM_DOORBELL = "events:head";
