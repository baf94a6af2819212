const fmtInt = (n: number) => Math.round(n).toLocaleString("en");

/**
 * A progress bar on stderr: percentage, count, rate and ETA. Redrawn in place (\r) at most 10
 * times a second when stderr is a terminal; otherwise one line per 10 %.
 */
export function progressBar(
  label: string,
  total: number,
  unit = "msgs",
): { update: (done: number, total?: number) => void } {
  const tty = Deno.stderr.isTerminal();
  const enc = new TextEncoder();
  const start = performance.now();
  let lastDraw = 0;
  let lastDecile = -1;
  const width = 30;
  return {
    update(done: number) {
      const now = performance.now();
      const frac = total ? Math.min(1, done / total) : 1;
      const secs = (now - start) / 1000;
      const rate = secs > 0 ? done / secs : 0;
      const eta = rate > 0 ? (total - done) / rate : NaN;
      const finished = done >= total;
      const text = `${(frac * 100).toFixed(1).padStart(5)}%  ${fmtInt(done)}/${fmtInt(total)} ` +
        `${unit}  ${fmtInt(rate)} ${unit}/s  ` +
        (finished
          ? `done in ${secs.toFixed(1)} s`
          : `ETA ${Number.isFinite(eta) ? `${Math.ceil(eta)} s` : "?"}`);
      if (tty) {
        if (!finished && now - lastDraw < 100 && done > 0) return;
        lastDraw = now;
        const filled = Math.round(frac * width);
        const bar = "█".repeat(filled) + "░".repeat(width - filled);
        Deno.stderr.writeSync(
          enc.encode(`\r[${label}] ${bar} ${text}\x1b[K${finished ? "\n" : ""}`),
        );
      } else {
        const decile = Math.floor(frac * 10);
        if (decile === lastDecile) return;
        lastDecile = decile;
        Deno.stderr.writeSync(enc.encode(`[${label}] ${text}\n`));
      }
    },
  };
}
