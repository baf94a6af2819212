import type { Sql, SqlExecutor } from "../sql/port.ts";

/**
 * Applies an event's effect at most once per consumer: the dedupe row and the effect commit
 * together, so a redelivered event (the bus is at least once) is recognised and skipped.
 * Returns false when the event had already been applied.
 */
export function consumeOnce(
  sql: Sql,
  consumer: string,
  eventId: string,
  apply: (tx: SqlExecutor) => Promise<void>,
): Promise<boolean> {
  return sql.transaction(async (tx) => {
    const fresh = await tx.query(
      `insert into processed_events (consumer, event_id) values ($1, $2)
       on conflict do nothing returning event_id`,
      [consumer, eventId],
    );
    if (!fresh.length) return false;
    await apply(tx);
    return true;
  });
}
