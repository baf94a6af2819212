import type { SqlExecutor } from "@colink/platform";
import { notVisible } from "./access.ts";
import { sqlSequenceStore } from "./stores/sequences.ts";
import type { ConversationRef } from "./stores/types.ts";

/**
 * A conversation's sequence, locked for one transaction: `next()` hands out positions only when
 * an event is really written (an idempotent no-op takes none, so there are no gaps), and
 * `save()` stores the newest one before commit.
 */
export interface Positions {
  readonly archived: boolean;
  next(): number;
  /** Positions handed out so far by this transaction. */
  readonly taken: number;
  save(): Promise<void>;
}

/** Locks the conversation's sequence (404 if it is gone). Lock conversations in id order. */
export async function lockPositions(tx: SqlExecutor, conv: ConversationRef): Promise<Positions> {
  const seqs = sqlSequenceStore(tx);
  const row = await seqs.lock(conv);
  if (!row) throw notVisible(conv);
  let last = row.last;
  let taken = 0;
  return {
    archived: row.archived,
    next: () => (taken++, ++last),
    get taken() {
      return taken;
    },
    async save() {
      if (taken) await seqs.set(conv, last);
    },
  };
}
