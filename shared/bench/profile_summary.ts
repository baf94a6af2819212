/**
 * Summarizes a V8 .cpuprofile (from `deno run --cpu-prof --cpu-prof-dir=DIR ...`, e.g.
 * `deno task bench:api 20 --rows=me --cpu-prof-dir=/tmp/prof`): where the time went, as self
 * time by package and by function, total (inclusive) time by package and by function, and the
 * share of samples whose stack matches a pattern.
 *
 *   deno run --allow-read shared/bench/profile_summary.ts <file.cpuprofile | dir> [--top=25]
 *     [--from=SEC] [--to=SEC] [--grep=REGEX[,REGEX...]]
 *
 * A directory means its newest .cpuprofile. --from/--to keep only samples in that window (seconds
 * since the profile started; the timeline line shows where the busy part is, e.g. skip
 * start-up). Percentages are of busy time: everything but "(idle)".
 */
import { markdownTable } from "./stats.ts";

export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface Frame {
  name: string;
  location: string;
  group: string;
}

/** Which package or part of the project a script belongs to. */
export function groupOf(url: string, cwd = Deno.cwd()): string {
  if (!url) return "(native: V8 builtins, GC, program)";
  if (url.startsWith("wasm://")) return "wasm (PGlite's Postgres)";
  const npm = /\/npm\/[^/]+\/((?:@[^/]+\/)?[^/]+)\/[^/]+\//.exec(url);
  if (npm) return `npm:${npm[1]}`;
  if (url.startsWith("ext:") || url.startsWith("node:")) {
    return `deno runtime (${/^(ext:[^/]+|node:[^/]+)/.exec(url)![1]})`;
  }
  const path = url.replace(/^file:\/\//, "").replace(`${cwd}/`, "");
  const parts = path.split("/");
  return parts.length > 2 ? parts.slice(0, 2).join("/") : path;
}

function shortLocation(url: string, line: number, cwd = Deno.cwd()): string {
  if (!url) return "";
  const npm = /\/npm\/[^/]+\/((?:@[^/]+\/)?[^/]+)\/[^/]+\/(.*)$/.exec(url);
  const path = npm ? `${npm[1]}/${npm[2]}` : url.replace(/^file:\/\//, "").replace(`${cwd}/`, "");
  return `${path}:${line + 1}`;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  busyMs: number;
  selfByGroup: Map<string, number>;
  totalByGroup: Map<string, number>;
  selfByFunction: Map<string, { frame: Frame; ms: number }>;
  totalByFunction: Map<string, { frame: Frame; ms: number }>;
  grep: Map<string, number>;
  /** Busy milliseconds per second of the profile. */
  timeline: number[];
}

export function summarizeProfile(
  p: CpuProfile,
  opts: { fromSec?: number; toSec?: number; grep?: RegExp[]; cwd?: string } = {},
): ProfileSummary {
  const cwd = opts.cwd ?? Deno.cwd();
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frames = new Map<number, Frame & { key: string }>();
  for (const n of p.nodes) {
    const { functionName, url, lineNumber } = n.callFrame;
    const name = functionName || "(anonymous)";
    const location = shortLocation(url, lineNumber, cwd);
    frames.set(n.id, { name, location, group: groupOf(url, cwd), key: `${name} ${location}` });
  }
  // Stacks are memoized per leaf node: many samples share one.
  const stacks = new Map<number, number[]>();
  const stackOf = (id: number) => {
    let s = stacks.get(id);
    if (!s) {
      s = [];
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) s.push(cur);
      stacks.set(id, s);
    }
    return s;
  };

  const out: ProfileSummary = {
    totalMs: 0,
    idleMs: 0,
    busyMs: 0,
    selfByGroup: new Map(),
    totalByGroup: new Map(),
    selfByFunction: new Map(),
    totalByFunction: new Map(),
    grep: new Map((opts.grep ?? []).map((r) => [r.source, 0])),
    timeline: [],
  };
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const addF = (
    m: Map<string, { frame: Frame; ms: number }>,
    f: Frame & { key: string },
    v: number,
  ) => {
    const e = m.get(f.key);
    if (e) e.ms += v;
    else m.set(f.key, { frame: f, ms: v });
  };

  // timeDeltas[i] is the time since the previous sample (µs); sample i lasts until sample i+1.
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    const ms = (p.timeDeltas[i + 1] ?? 0) / 1000;
    const sec = (t - p.startTime) / 1e6;
    if (opts.fromSec !== undefined && sec < opts.fromSec) continue;
    if (opts.toSec !== undefined && sec >= opts.toSec) continue;
    const leaf = p.samples[i]!;
    const f = frames.get(leaf)!;
    out.totalMs += ms;
    if (f.name === "(idle)") {
      out.idleMs += ms;
      continue;
    }
    out.busyMs += ms;
    out.timeline[Math.floor(sec)] = (out.timeline[Math.floor(sec)] ?? 0) + ms;
    add(out.selfByGroup, f.group, ms);
    addF(out.selfByFunction, f, ms);
    const seenF = new Set<string>();
    const seenG = new Set<string>();
    const matched = new Set<string>();
    for (const id of stackOf(leaf)) {
      const fr = frames.get(id)!;
      if (fr.name === "(root)") continue;
      if (!seenF.has(fr.key)) {
        seenF.add(fr.key);
        addF(out.totalByFunction, fr, ms);
      }
      if (!seenG.has(fr.group)) {
        seenG.add(fr.group);
        add(out.totalByGroup, fr.group, ms);
      }
      for (const r of opts.grep ?? []) {
        if (!matched.has(r.source) && (r.test(fr.name) || r.test(fr.location))) {
          matched.add(r.source);
          add(out.grep, r.source, ms);
        }
      }
    }
  }
  for (let s = 0; s < out.timeline.length; s++) out.timeline[s] ??= 0;
  return out;
}

export function renderSummary(s: ProfileSummary, top = 25): string {
  const pct = (ms: number) => `${((100 * ms) / s.busyMs).toFixed(1)}%`;
  const f0 = (ms: number) => ms.toFixed(0);
  const functionTable = (kind: "self" | "total", m: ProfileSummary["selfByFunction"]) =>
    markdownTable(
      ["function", "where", `${kind} ms`, `${kind} %`],
      sorted(m, (x) => x.ms).slice(0, top).map(([, e]) => [
        e.frame.name,
        e.frame.location,
        f0(e.ms),
        pct(e.ms),
      ]),
    );
  const sorted = <T>(m: Map<string, T>, v: (x: T) => number) =>
    [...m.entries()].sort((a, b) => v(b[1]) - v(a[1]));
  const lines = [
    `profile window: ${(s.totalMs / 1000).toFixed(1)} s, busy ${(s.busyMs / 1000).toFixed(1)} s, ` +
    `idle ${(s.idleMs / 1000).toFixed(1)} s; percentages are of busy time`,
    `timeline (busy ms per second): ${s.timeline.map((x) => x.toFixed(0)).join(" ")}`,
    "",
    "Self time by package",
    "",
    markdownTable(
      ["package", "self ms", "self %", "total %"],
      sorted(s.selfByGroup, (x) => x).slice(0, top).map(([g, ms]) => [
        g,
        f0(ms),
        pct(ms),
        pct(s.totalByGroup.get(g) ?? 0),
      ]),
    ),
    "",
    "Self time by function",
    "",
    functionTable("self", s.selfByFunction),
    "",
    "Total (inclusive) time by function",
    "",
    functionTable("total", s.totalByFunction),
  ];
  if (s.grep.size) {
    lines.push(
      "",
      "Samples whose stack has a frame (function name or location) matching",
      "",
      markdownTable(
        ["pattern", "ms", "% of busy"],
        [...s.grep.entries()].map(([r, ms]) => [r, f0(ms), pct(ms)]),
      ),
    );
  }
  return lines.join("\n");
}

async function newestProfile(path: string): Promise<string> {
  if (!(await Deno.stat(path)).isDirectory) return path;
  let best: { path: string; mtime: number } | undefined;
  for await (const e of Deno.readDir(path)) {
    if (!e.name.endsWith(".cpuprofile")) continue;
    const full = `${path}/${e.name}`;
    const mtime = (await Deno.stat(full)).mtime?.getTime() ?? 0;
    if (!best || mtime > best.mtime) best = { path: full, mtime };
  }
  if (!best) throw new Error(`no .cpuprofile in ${path}`);
  return best.path;
}

if (import.meta.main) {
  const positional = Deno.args.filter((a) => !a.startsWith("--"));
  const flag = (name: string) =>
    Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (positional.length !== 1) {
    console.error(
      "usage: profile_summary.ts <file.cpuprofile | dir> [--top=25] [--from=SEC] [--to=SEC] " +
        "[--grep=REGEX[,REGEX...]]",
    );
    Deno.exit(64);
  }
  const file = await newestProfile(positional[0]!);
  const profile = JSON.parse(await Deno.readTextFile(file)) as CpuProfile;
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const summary = summarizeProfile(profile, {
    fromSec: num(flag("from")),
    toSec: num(flag("to")),
    grep: flag("grep")?.split(",").filter(Boolean).map((r) => new RegExp(r)),
  });
  console.log(`${file}\n`);
  console.log(renderSummary(summary, num(flag("top")) ?? 25));
}
