/**
 * Reconnect delays: exponential from `baseMs` up to `maxMs`, with "equal jitter" (half fixed,
 * half random) so a server restart is not met by every tab at the same instant, yet no tab
 * retries immediately in a tight loop.
 */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  baseMs = 500,
  maxMs = 30_000,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
