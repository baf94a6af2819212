import type { EventEnvelope } from "@colink/contracts";
import { appendToOutbox, type Sql, type SqlExecutor } from "@colink/platform";
import type { ConversationDirectory } from "./directory.ts";
import type { OnlineFilter } from "./mentions.ts";
import { sqlStores, type Stores } from "./stores/mod.ts";

/** What conversation actions run on, in both services. */
export interface ChatDeps {
  sql: Sql;
  directory: ConversationDirectory;
  /** The clock (pinned in tests). */
  now(): Date;
  /** Who is online (presence), for @here. */
  online: OnlineFilter;
  /** Wakes the outbox relay after events were committed. */
  eventsCommitted(): void;
}

/** One action's transaction: its stores, the events it emits, what to do once committed. */
export interface UnitOfWork {
  db: SqlExecutor;
  s: Stores;
  /** Queues an event; it is written to the outbox in this transaction, after the domain rows. */
  emit(...events: EventEnvelope[]): void;
  /** Runs after commit (cache invalidation); never when the transaction rolls back. */
  afterCommit(fn: () => Promise<void>): void;
}

/**
 * Runs a domain action's writes in one transaction with its events (the transactional outbox:
 * the events exist if and only if the writes committed), then wakes the relay and runs the
 * after-commit steps.
 */
export async function inTransaction<T>(
  d: Pick<ChatDeps, "sql" | "eventsCommitted">,
  fn: (u: UnitOfWork) => Promise<T>,
): Promise<T> {
  const after: (() => Promise<void>)[] = [];
  let emitted = 0;
  const result = await d.sql.transaction(async (db) => {
    const events: EventEnvelope[] = [];
    const r = await fn({
      db,
      s: sqlStores(db),
      emit: (...e) => events.push(...e),
      afterCommit: (f) => after.push(f),
    });
    await appendToOutbox(db, events);
    emitted = events.length;
    return r;
  });
  if (emitted) d.eventsCommitted();
  for (const f of after) await f();
  return result;
}
