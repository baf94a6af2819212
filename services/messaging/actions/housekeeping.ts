import type { Sql } from "@colink/platform";
import type { Logger } from "@colink/http";
import { sqlStores } from "@colink/conversations";
import { IDEMPOTENCY_TTL_MS } from "./send.ts";

/**
 * Deletes idempotency keys past their 24 hours, every `everyMs` (an expired key is already
 * ignored by sends; this only keeps the table small). Returns the function that stops it.
 */
export function pruneIdempotencyKeys(
  sql: Sql,
  logger: Logger,
  everyMs = 10 * 60_000,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= sqlStores(sql).idempotency.prune(new Date(Date.now() - IDEMPOTENCY_TTL_MS))
      .then((n) => {
        if (n) logger.info("expired idempotency keys deleted", { count: n });
      })
      .catch((e) => logger.warn("pruning idempotency keys failed; retrying later", { err: e }))
      .finally(() => (running = undefined));
  }, everyMs);
  Deno.unrefTimer(timer);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
