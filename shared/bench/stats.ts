/** Summary statistics and a Markdown table for benchmark samples (milliseconds). */
export interface Summary {
  name: string;
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function summarize(name: string, samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  return {
    name,
    n: s.length,
    min: s[0]!,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s.at(-1)!,
    mean: s.reduce((a, b) => a + b, 0) / s.length,
  };
}

/** Markdown table; the ratio column compares each row's p50 with the baseline row's p50. */
export function table(rows: Summary[], baseline: string, unit = "ms"): string {
  const base = rows.find((r) => r.name === baseline);
  const f = (x: number) => x.toFixed(1);
  const lines = [
    `| case | n | min ${unit} | p50 ${unit} | p90 ${unit} | p99 ${unit} | max ${unit} | p50 vs ${baseline} |`,
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((r) =>
      `| ${r.name} | ${r.n} | ${f(r.min)} | ${f(r.p50)} | ${f(r.p90)} | ${f(r.p99)} | ${
        f(r.max)
      } | ${base ? (r.p50 / base.p50).toFixed(2) + "x" : "-"} |`
    ),
  ];
  return lines.join("\n");
}

/**
 * A Markdown table padded so it also reads as a table in a terminal. Columns whose cells (after
 * the header) all look numeric are right-aligned.
 */
export function markdownTable(header: string[], rows: string[][]): string {
  const numeric = header.map((_, i) =>
    rows.length > 0 && rows.every((r) => /^(-|[-+]?[\d.,]+\s*(x|%|ms|MiB)?)?$/.test(r[i] ?? ""))
  );
  const width = header.map((h, i) =>
    Math.max(3, h.length, ...rows.map((r) => (r[i] ?? "").length))
  );
  const line = (cells: string[]) =>
    `| ${
      cells.map((c, i) => numeric[i] ? c.padStart(width[i]!) : c.padEnd(width[i]!)).join(" | ")
    } |`;
  const rule = `| ${
    width.map((w, i) => numeric[i] ? "-".repeat(w - 1) + ":" : "-".repeat(w)).join(" | ")
  } |`;
  return [line(header), rule, ...rows.map((r) => line(header.map((_, i) => r[i] ?? "")))].join(
    "\n",
  );
}

/** Where the benchmarks run from, and the permissions a benchmarked `deno run` gets. */
export { DENO_RUN_PERMISSIONS, REPO_ROOT } from "@colink/testing";
