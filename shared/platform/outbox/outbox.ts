import type { EventEnvelope } from "@colink/contracts";
import type { SqlExecutor } from "../sql/port.ts";

/**
 * Records events in the outbox inside the caller's transaction: they reach the bus if and only
 * if the domain write commits. Call only from domain actions, with the action's transaction.
 */
export async function appendToOutbox(tx: SqlExecutor, events: EventEnvelope[]): Promise<void> {
  // One statement per batch: a group-committed send of 100 messages writes 100 rows at once.
  for (let i = 0; i < events.length; i += 500) {
    const chunk = events.slice(i, i + 500);
    await tx.query(
      `insert into outbox (event_id, topic, aggregate_id, recipient_id, payload)
       values ${
        chunk.map((_, j) =>
          `($${j * 5 + 1}, $${j * 5 + 2}, $${j * 5 + 3}, $${j * 5 + 4}, $${j * 5 + 5}::jsonb)`
        ).join(", ")
      }`,
      chunk.flatMap((ev) => [
        ev.id,
        ev.type,
        ev.aggregate_id,
        ev.recipient_id ?? null,
        JSON.stringify(ev),
      ]),
    );
  }
}

/** Kafka record headers every outbox event carries. */
export const EVENT_ID_HEADER = "colink-event-id";
export const EVENT_TYPE_HEADER = "colink-event-type";

/** The pub/sub channel on which relays announce a new event-stream head (realtime's doorbell). */
export const STREAM_DOORBELL = "events:head";
