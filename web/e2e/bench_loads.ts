/**
 * The browser part of `deno task bench:web` (shared/bench/web.ts runs it and reads its JSON
 * report from stdout; progress goes to stderr). It lives with the browser tests because it is
 * built from their harness and type-checked, like them, with the DOM library.
 *
 * CoLink as the browser tests start it (`startColink`: every service in-process on the embedded
 * adapters, a fresh temporary data dir, the seeded `colink` workspace, web/dist/ served as the
 * gateway serves it) and, in the same process, a bare `Deno.serve` with the baseline page. alice
 * signs in once through the real login page; then, `runs` times, interleaved and 250 ms apart,
 * four loads: the baseline and CoLink's `/` with a warm cache (one context and page kept,
 * reloaded) and with a cold one (a new context per load; for CoLink it holds only the session
 * cookie). Each load is
 * timed by the page itself (see `interactiveProbe`), so no polling from here is in the figures,
 * and checked afterwards with the browser tests' own locators; the renderer's main-thread time
 * comes from a DevTools session per page (Performance.getMetrics).
 *
 *   deno run -A web/e2e/bench_loads.ts '{"runs":10,"staticPage":"/tmp/page.html"}'
 */
import type { Browser, CDPSession, Cookie, Page } from "playwright-core";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { freePort, sleep } from "@colink/testing";
import type {
  Cache,
  Load,
  LoadsOptions,
  LoadsReport,
  MainThread,
  Target,
} from "../../shared/bench/web_report.ts";
import {
  composer,
  launchChromium,
  messageLog,
  newPerson,
  type PageProblems,
  signIn,
  startColink,
} from "./harness.ts";

const LOAD_TIMEOUT_MS = 30_000;
/** A pause before each load, so the last one's teardown (a closed context's renderer) is over. */
const SETTLE_MS = 250;
const progress = (msg: string) => console.error(`[bench:web] ${msg}`);

/** What the probe leaves on the page's global object. */
interface Probed {
  __benchInteractive?: Promise<number>;
}

/**
 * Runs before the page's own scripts (an init script): resolves `__benchInteractive` with
 * `performance.now()` (navigation start = 0) at the first DOM mutation after which the composer
 * (a textbox whose accessible name starts with "Message ") is present and enabled and #general's
 * message list (role="log") holds a rendered message.
 */
function interactiveProbe(): void {
  let resolve!: (t: number) => void;
  (globalThis as Probed).__benchInteractive = new Promise<number>((r) => (resolve = r));
  const ready = () => {
    const box = [...document.querySelectorAll<HTMLElement>("textarea, input, [role=textbox]")]
      .find((el) => (el.getAttribute("aria-label") ?? "").startsWith("Message "));
    if (!box || box.matches(":disabled") || box.getAttribute("aria-disabled") === "true") {
      return false;
    }
    const log = document.querySelector('[role="log"][aria-label="Messages in #general"]');
    return !!log?.querySelector("article.msg");
  };
  const observer = new MutationObserver(() => {
    if (!ready()) return;
    resolve(performance.now());
    observer.disconnect();
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true });
}
const PROBE = `(${interactiveProbe.toString()})()`;

/** In the page, after its load event: the probe's moment, navigation and resource timing. */
async function collect(): Promise<Omit<Load, "main">> {
  const interactive = await (globalThis as Probed).__benchInteractive!;
  const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
  const entries = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
  return {
    dcl: nav.domContentLoadedEventStart,
    load: nav.loadEventStart,
    interactive,
    resources: [
      {
        name: nav.name,
        type: "document",
        start: nav.startTime,
        end: nav.responseEnd,
        encoded: nav.encodedBodySize,
        transferred: nav.transferSize,
      },
      ...entries.map((r) => ({
        name: r.name,
        type: r.initiatorType,
        start: r.startTime,
        end: r.responseEnd,
        encoded: r.encodedBodySize,
        transferred: r.transferSize,
      })),
    ],
  };
}

/** One DevTools session per page, with its Performance domain on. */
const sessions = new WeakMap<Page, Promise<CDPSession>>();
function session(page: Page): Promise<CDPSession> {
  let s = sessions.get(page);
  if (!s) {
    s = page.context().newCDPSession(page).then(async (cdp) => {
      await cdp.send("Performance.enable");
      return cdp;
    });
    sessions.set(page, s);
  }
  return s;
}

async function mainThread(page: Page): Promise<MainThread> {
  const { metrics } = await (await session(page)).send("Performance.getMetrics");
  const v = (name: string) => (metrics.find((m) => m.name === name)?.value ?? 0) * 1000;
  return {
    busy: v("TaskDuration"),
    script: v("ScriptDuration"),
    styleLayout: v("RecalcStyleDuration") + v("LayoutDuration"),
  };
}

async function loadOnce(page: Page, url: string): Promise<Load> {
  await session(page);
  await page.goto(url, { waitUntil: "load", timeout: LOAD_TIMEOUT_MS });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timing = await Promise.race([
    page.evaluate(collect),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`not interactive ${LOAD_TIMEOUT_MS} ms after load at ${page.url()}`)),
        LOAD_TIMEOUT_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  const main = await mainThread(page);
  // The browser tests' own reading of "usable", after the fact.
  if (!await composer(page).isEnabled({ timeout: 5_000 })) throw new Error("composer disabled");
  const log = messageLog(page);
  if (await log.getAttribute("aria-label", { timeout: 5_000 }) !== "Messages in #general") {
    throw new Error(`the open conversation is not #general at ${page.url()}`);
  }
  if (await log.locator("article.msg").count() === 0) throw new Error("no message rendered");
  // Chromium's counters start again with each document (a reload, or a new page's first
  // navigation), so what they hold now is this document's, from its commit to interactive.
  return { ...timing, main };
}

/**
 * The baseline's server: the page brotli- or gzip-compressed as the gateway sends index.html
 * (stored copies, brotli quality 11), `no-cache` with an ETag, so a warm load revalidates it.
 */
function serveStatic(page: Uint8Array): { base: string; close: () => Promise<void> } {
  const port = freePort();
  const gz = gzipSync(page, { level: 9 });
  const br = brotliCompressSync(page, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: page.length,
    },
  });
  const etag = `"static-${page.length}"`;
  const server = Deno.serve({ port, hostname: "127.0.0.1", onListen() {} }, (req) => {
    if (new URL(req.url).pathname !== "/") return new Response("not found", { status: 404 });
    const headers = new Headers({
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-cache",
      "vary": "Accept-Encoding",
      etag,
    });
    if (req.headers.get("if-none-match") === etag) {
      return new Response(null, { status: 304, headers });
    }
    const accept = req.headers.get("accept-encoding") ?? "";
    const [body, encoding] = /\bbr\b/.test(accept)
      ? [br, "br"]
      : /\bgzip\b/.test(accept)
      ? [gz, "gzip"]
      : [page, undefined];
    if (encoding) headers.set("content-encoding", encoding);
    return new Response(body as Uint8Array<ArrayBuffer>, { headers });
  });
  return { base: `http://127.0.0.1:${port}`, close: () => server.shutdown() };
}

/**
 * Clock ticks used so far by the whole machine (busy, from /proc/stat) and by this process and its
 * descendants (utime + stime + cutime + cstime from /proc/<pid>/stat: a reaped child's time is in
 * its parent's cutime), e.g. chromium's renderers.
 */
async function cpuTicks(): Promise<{ machine: number; ours: number; self: number }> {
  const cpu = (await Deno.readTextFile("/proc/stat")).split("\n")[0]!.trim().split(/\s+/)
    .slice(1).map(Number);
  const machine = cpu.reduce((a, b) => a + b, 0) - cpu[3]! - (cpu[4] ?? 0);
  const procs = new Map<number, { ppid: number; ticks: number }>();
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${e.name}/stat`);
      // After the command name (it may hold spaces and parentheses): state, ppid, ... (field 3 on).
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      procs.set(Number(e.name), {
        ppid: Number(f[1]),
        ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]),
      });
    } catch { /* gone meanwhile */ }
  }
  let ours = 0;
  const todo = [Deno.pid];
  while (todo.length) {
    const pid = todo.pop()!;
    ours += procs.get(pid)?.ticks ?? 0;
    for (const [child, p] of procs) if (p.ppid === pid) todo.push(child);
  }
  return { machine, ours, self: procs.get(Deno.pid)?.ticks ?? 0 };
}

interface Case {
  target: Target;
  cache: Cache;
  load(): Promise<Load>;
  loads: Load[];
}

export async function measureLoads(o: LoadsOptions): Promise<LoadsReport> {
  progress("starting CoLink (embedded, fresh data dir), the static server and chromium");
  const app = await startColink();
  const bare = serveStatic(await Deno.readFile(o.staticPage));
  const browser: Browser = await launchChromium();
  const problems: string[] = [];
  const record = (who: string, p: PageProblems) => {
    for (const e of [...p.errors, ...p.dialogs]) {
      problems.push(`${who}: ${e}`);
      progress(`WARNING ${who}: ${e}`);
    }
    p.errors.length = 0;
    p.dialogs.length = 0;
  };
  try {
    progress("signing in as alice through the login page");
    const alice = await newPerson(browser, app.base);
    await signIn(alice.page, app.base, "alice");
    record("sign-in", alice.problems);
    const cookies: Cookie[] = await alice.context.cookies();
    await alice.context.addInitScript(PROBE);
    const staticWarm = await newPerson(browser, bare.base);
    await staticWarm.context.addInitScript(PROBE);

    const warm = (who: string, person: typeof alice, base: string) => async () => {
      const l = await loadOnce(person.page, `${base}/`);
      record(who, person.problems);
      return l;
    };
    /** A new context per load: an empty cache and, for CoLink, only the session cookie. */
    const cold = (who: string, base: string, withCookies: boolean) => async () => {
      const p = await newPerson(browser, base);
      try {
        if (withCookies) await p.context.addCookies(cookies);
        await p.context.addInitScript(PROBE);
        const l = await loadOnce(p.page, `${base}/`);
        record(who, p.problems);
        return l;
      } finally {
        await p.context.close();
      }
    };
    const cases: Case[] = [
      {
        target: "static",
        cache: "warm",
        loads: [],
        load: warm("static warm", staticWarm, bare.base),
      },
      { target: "colink", cache: "warm", loads: [], load: warm("colink warm", alice, app.base) },
      { target: "static", cache: "cold", loads: [], load: cold("static cold", bare.base, false) },
      { target: "colink", cache: "cold", loads: [], load: cold("colink cold", app.base, true) },
    ];

    progress("one unmeasured load per case");
    for (const c of cases) await c.load();
    const start = performance.now();
    const ticksBefore = await cpuTicks();
    for (let i = 1; i <= o.runs; i++) {
      for (const c of cases) {
        await sleep(SETTLE_MS);
        c.loads.push(await c.load());
      }
      const last = (target: Target, cache: Cache) =>
        cases.find((c) => c.target === target && c.cache === cache)!.loads.at(-1)!.interactive
          .toFixed(1);
      progress(
        `run ${i}/${o.runs}: interactive warm ${last("colink", "warm")} ms (static ${
          last("static", "warm")
        }), cold ${last("colink", "cold")} ms (static ${last("static", "cold")})`,
      );
    }
    const ticksAfter = await cpuTicks();
    const seconds = (performance.now() - start) / 1000;
    const TICKS_PER_SECOND = 100; // USER_HZ on Linux
    const cores = (ticks: number) => ticks / TICKS_PER_SECOND / seconds;
    const ours = ticksAfter.ours - ticksBefore.ours;
    const self = ticksAfter.self - ticksBefore.self;
    return {
      chromium: browser.version(),
      cases: cases.map(({ target, cache, loads }) => ({ target, cache, loads })),
      problems,
      seconds,
      cores: {
        ours: cores(ours),
        deno: cores(self),
        other: Math.max(0, cores(ticksAfter.machine - ticksBefore.machine - ours)),
        of: navigator.hardwareConcurrency,
      },
    };
  } finally {
    await browser.close().catch(() => {});
    await bare.close();
    await app.close();
  }
}

if (import.meta.main) {
  const report = await measureLoads(JSON.parse(Deno.args[0]!) as LoadsOptions);
  console.log(JSON.stringify(report));
}
