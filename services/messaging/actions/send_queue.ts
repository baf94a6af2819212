import { type ChatDeps, inTransaction } from "@colink/conversations";
import { HttpError } from "@colink/http";
import { type CheckedMessage, doSendMessages, type SendOutcome } from "./send.ts";

export interface SendQueue {
  /** Resolves when the message is committed (with its event), or rejects with why not. */
  send(m: CheckedMessage): Promise<SendOutcome>;
}

/**
 * Group commit for sends. Up to `concurrency` transactions run at once; sends that arrive while
 * they are busy wait and go together in the next transaction (up to `maxBatch`), so under load
 * many messages share one commit and one lock of their conversation, and with no load a send
 * goes alone at once: no timer, no added latency. An acknowledged send is committed: the
 * promise resolves only after its transaction did. If a batch's transaction fails, its sends
 * are retried one per transaction, so one bad send cannot fail the others.
 */
export function createSendQueue(
  d: ChatDeps,
  o: { concurrency?: number; maxBatch?: number } = {},
): SendQueue {
  const concurrency = o.concurrency ?? 4;
  const maxBatch = o.maxBatch ?? 128;
  type Waiting = {
    m: CheckedMessage;
    resolve: (r: SendOutcome) => void;
    reject: (e: unknown) => void;
  };
  const queue: Waiting[] = [];
  let running = 0;

  async function run(batch: Waiting[]): Promise<void> {
    try {
      const outcomes = await inTransaction(d, (u) => doSendMessages(d, u, batch.map((w) => w.m)));
      outcomes.forEach((o, i) =>
        o instanceof HttpError ? batch[i]!.reject(o) : batch[i]!.resolve(o)
      );
    } catch (e) {
      if (batch.length === 1) batch[0]!.reject(e);
      else await Promise.all(batch.map((w) => run([w])));
    }
  }

  function pump(): void {
    while (running < concurrency && queue.length) {
      const batch = queue.splice(0, maxBatch);
      running++;
      run(batch).finally(() => {
        running--;
        pump();
      });
    }
  }

  return {
    send(m) {
      return new Promise((resolve, reject) => {
        queue.push({ m, resolve, reject });
        pump();
      });
    },
  };
}
