/**
 * What `web/e2e/bench_loads.ts` (the browser part of `deno task bench:web`) reports to
 * `shared/bench/web.ts` as JSON on stdout. A module of its own so both sides share it without the
 * benchmark importing the browser code: that is type-checked with the web package's DOM library.
 */

/** One request of a page load, from Resource Timing (ms after navigation start). */
export interface Resource {
  name: string;
  /** "document" for the page itself, else the entry's initiatorType. */
  type: string;
  start: number;
  end: number;
  /** Body bytes as sent (compressed). */
  encoded: number;
  /** Bytes over the wire, headers included; 0 when it came from the HTTP cache. */
  transferred: number;
}

/**
 * The renderer's main thread during one load, ms: Chromium's Performance.getMetrics just after
 * interactive (its counters start with each document).
 */
export interface MainThread {
  /** Every task the thread ran (TaskDuration). */
  busy: number;
  /** JavaScript: compiling, running, GC (ScriptDuration). */
  script: number;
  /** Style recalculation and layout (RecalcStyleDuration + LayoutDuration). */
  styleLayout: number;
}

/** One page load, ms after navigation start on the page's own clock. */
export interface Load {
  dcl: number;
  load: number;
  interactive: number;
  resources: Resource[];
  main: MainThread;
}

export type Target = "static" | "colink";
export type Cache = "warm" | "cold";

export interface LoadsOptions {
  runs: number;
  /** The baseline page, served by a bare Deno.serve next to CoLink. */
  staticPage: string;
}

export interface LoadsReport {
  chromium: string;
  cases: { target: Target; cache: Cache; loads: Load[] }[];
  /** Console errors and dialogs, "who: what". */
  problems: string[];
  /** Wall time of the measured loads. */
  seconds: number;
  /**
   * CPU over the measured loads, in cores: this process and its descendants (CoLink, the driver,
   * chromium), and everything else on the machine (work that skews the figures).
   */
  cores: {
    ours: number;
    /** Of `ours`, this Deno process: CoLink and the playwright driver (the rest is chromium). */
    deno: number;
    other: number;
    of: number;
  };
}
