/**
 * deno task bench:search — search latency at 1M messages while messages are being written, and
 * index lag from send to searchable, for each index engine, against a baseline in the same
 * database: a plain `ILIKE '%term%'` scan of the same rows with no index.
 *
 * 1. A fresh PostgreSQL database (deploy/local), migrated; N messages (default 1,000,000) of
 *    12 words each drawn from a 2,000-word vocabulary with a Zipf-like skew (so common words are
 *    common and rare ones rare), over 50 conversations and a year of timestamps, written
 *    straight into the index (and into the baseline table) in batches, with a progress bar.
 * 2. Queries at a fixed rate (20/s, open loop) for each kind — ranked (two words, the second
 *    its first letters), filtered (a word, an author and a date range), phrase (two adjacent
 *    words of a stored message; and, the worst case, two of the 20 commonest words) — by a caller
 *    who can read 20 of the 50 conversations, while 50 messages/s are written into the index;
 *    then one query at a time (service time, no queue).
 * 3. Index lag, per engine: CoLink itself (API and search service in their own processes, events
 *    through Kafka) on the same database; 10 sends/s through the REST API for 20 s; each message
 *    is polled through GET /search/messages until found.
 *
 *    With OpenSearch (deploy/local, OPENSEARCH_URL), the same rows are bulk-loaded into an index
 *    of their own first.
 *
 * Options: --messages=1000000 --seconds=20 --rate=20 --engines=postgres,opensearch
 */
import { colinkMigrations } from "@colink/db";
import { migrate, type Sql } from "@colink/platform";
import { createPostgresSql } from "@colink/platform/postgres";
import { progressBar } from "@colink/runtime";
import {
  DENO_RUN_PERMISSIONS,
  distributedTestEnv,
  freePort,
  passwordGrant,
  realServers,
  spawnDeno,
  stopChild,
  waitHealthy,
} from "@colink/testing";
import {
  dropOpenSearchIndexes,
  openSearchIndex,
} from "../../services/search/index/opensearch_index.ts";
import { postgresIndex } from "../../services/search/index/postgres_index.ts";
import type { MessageQuery, SearchIndex } from "../../services/search/index/port.ts";
import { markdownTable, percentile } from "./stats.ts";

const arg = (name: string, dflt: string) =>
  Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const N = Number(arg("messages", "1000000"));
const SECONDS = Number(arg("seconds", "20"));
const RATE = Number(arg("rate", "20"));
const ENGINES = arg("engines", "postgres,opensearch").split(",");
const CONVERSATIONS = 50;
const READABLE = 20;
const progress = (m: string) => console.error(`[bench:search] ${m}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A deterministic vocabulary of made-up words, 3-10 letters drawn by English letter frequency, so
 * their trigrams are as varied as a real language's (a vocabulary built from a few syllables
 * would share trigrams across most words and defeat any trigram index, which real text does not).
 */
function vocabulary(n: number): string[] {
  const letters =
    "eeeeeeeeeeeettttttttaaaaaaaoooooooiiiiiiinnnnnnnsssssshhhhhhrrrrrrddddlllluuucccmmmwwffggyyppbbvkjxqz";
  const out = new Set<string>(["deployment", "server", "rollback", "incident", "quick", "brown"]);
  let x = 7;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff);
  while (out.size < n) {
    const len = 3 + (next() % 8);
    let w = "";
    for (let i = 0; i < len; i++) w += letters[next() % letters.length];
    out.add(w);
  }
  return [...out];
}

async function seed(sql: Sql, words: string[], conversations: string[], users: string[]) {
  await sql.exec(
    `create table if not exists bench_plain (message_id uuid, conversation_id uuid, user_id uuid,
       content text, created_at timestamptz)`,
  );
  const bar = progressBar("seeding the index", N);
  const chunk = 50_000;
  for (let from = 1; from <= N; from += chunk) {
    const to = Math.min(N, from + chunk - 1);
    // Word k of message s: index floor(W * u^3) with u pseudo-random in [0,1): a Zipf-like skew.
    const content = `array_to_string(array(select ($1::text[])[1 + floor(${words.length} *
        power(((hashint8(s * 16 + k) & 2147483647)::float8 / 2147483648), 3))::int]
        from generate_series(1, 12) k), ' ')`;
    await sql.query(
      `insert into search_messages (message_id, workspace_id, conversation_id, conversation_kind,
         user_id, parent_id, content, has_file, created_at, version)
       select md5('m' || s)::uuid, $2::uuid, ($3::uuid[])[1 + s % ${conversations.length}], 'channel',
              ($4::uuid[])[1 + s % ${users.length}], null, ${content}, s % 20 = 0,
              now() - (s::float8 * 31536000 / ${N}) * interval '1 second', 1
         from generate_series($5::bigint, $6::bigint) s`,
      [words, crypto.randomUUID(), conversations, users, from, to],
    );
    bar.update(to);
  }
  progress("copying the rows into the baseline table (no index) and analyzing");
  await sql.exec(
    `insert into bench_plain select message_id, conversation_id, user_id, content, created_at
       from search_messages`,
  );
  await sql.exec("vacuum analyze search_messages");
  await sql.exec("vacuum analyze bench_plain");
}

/** Copies the seeded rows into OpenSearch in bulk batches (what a reindex into it does). */
async function loadOpenSearch(sql: Sql, index: SearchIndex) {
  await index.prepare();
  const bar = progressBar("loading OpenSearch", N);
  let after = "00000000-0000-0000-0000-000000000000";
  let done = 0;
  for (;;) {
    const rows = await sql.query<{
      message_id: string;
      workspace_id: string;
      conversation_id: string;
      user_id: string;
      content: string;
      has_file: boolean;
      created_at: Date;
    }>(
      `select message_id, workspace_id, conversation_id, user_id, content, has_file, created_at
         from search_messages where message_id > $1 order by message_id limit 5000`,
      [after],
    );
    if (!rows.length) break;
    await index.upsertMessages(rows.map((r) => ({
      ...r,
      conversation_kind: "channel",
      parent_id: null,
      version: 1,
    })));
    after = rows.at(-1)!.message_id;
    bar.update(done += rows.length);
  }
  await index.refresh();
}

interface Kind {
  name: string;
  query(i: number): Omit<MessageQuery, "conversations" | "now" | "offset" | "limit">;
  /** The same question as a plain scan, for the baseline. */
  plain(i: number): { where: string; params: unknown[] };
}

function kinds(words: string[], users: string[], quotes: string[]): Kind[] {
  // Mid-frequency words (ranks 50-250): each in a few percent of messages, like real queries.
  const mid = (i: number) => words[50 + ((i * 37) % 200)]!;
  // What someone types of a word they remember: its first letters (three at least).
  const start = (w: string) => w.slice(0, Math.max(3, w.length - 2));
  return [
    {
      name: "ranked (2 words, one a prefix)",
      query: (i) => ({ terms: [mid(i), start(mid(i + 1))], phrases: [] }),
      plain: (i) => ({
        where: "content ilike $2 and content ilike $3",
        params: [`%${mid(i)}%`, `%${start(mid(i + 1))}%`],
      }),
    },
    {
      name: "filtered (word + author + 30 days)",
      query: (i) => ({
        terms: [mid(i)],
        phrases: [],
        from: [users[i % users.length]!],
        after: new Date(Date.now() - 30 * 86400_000),
      }),
      plain: (i) => ({
        where: "content ilike $2 and user_id = $3 and created_at >= now() - interval '30 days'",
        params: [`%${mid(i)}%`, users[i % users.length]],
      }),
    },
    {
      name: "phrase (2 adjacent words of a stored message)",
      query: (i) => ({ terms: [], phrases: [quotes[i % quotes.length]!] }),
      plain: (i) => ({ where: "content ilike $2", params: [`%${quotes[i % quotes.length]}%`] }),
    },
    {
      name: "phrase (2 of the 20 commonest words)",
      query: (i) => ({ terms: [], phrases: [`${words[i % 20]} ${words[(i + 3) % 20]}`] }),
      plain: (i) => ({
        where: "content ilike $2",
        params: [`%${words[i % 20]} ${words[(i + 3) % 20]}%`],
      }),
    },
  ];
}

/** Runs `fn` at `rate` per second for `seconds` (open loop: late starts count as latency). */
async function openLoop(
  rate: number,
  seconds: number,
  fn: (i: number) => Promise<unknown>,
  errors: string[] = [],
) {
  const lat: number[] = [];
  const start = performance.now();
  const total = Math.round(rate * seconds);
  const running: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    running.push(
      fn(i).then(
        () => void lat.push(performance.now() - due),
        (e) => void errors.push(String(e).slice(0, 200)),
      ),
    );
  }
  await Promise.all(running);
  return lat.sort((a, b) => a - b);
}

/**
 * Send → searchable through CoLink itself: the API and the search service in their own processes
 * (events through the outbox and Kafka), 10 sends/s for SECONDS, each polled for until found.
 */
async function indexLag(
  common: Record<string, string>,
  searchEnv: Record<string, string>,
  tokenUrl: string,
): Promise<{ lags: number[]; missing: number }> {
  const port = freePort(), searchPort = freePort();
  const search = spawnDeno(
    "search",
    ["run", ...DENO_RUN_PERMISSIONS, "services/search/main.ts"],
    {
      ...common,
      ...searchEnv,
      PORT: String(searchPort),
      PUBLIC_URL: `http://127.0.0.1:${searchPort}`,
    },
  );
  const api = spawnDeno("api", [
    "run",
    ...DENO_RUN_PERMISSIONS,
    "shared/bench/search_api_main.ts",
  ], {
    ...common,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SEARCH_URL: `http://127.0.0.1:${searchPort}`,
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitHealthy(search, `http://127.0.0.1:${searchPort}/health`);
    await waitHealthy(api, `${base}/health`);
    const token = (await passwordGrant(fetch, tokenUrl, "alice")).body.access_token as string;
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body ? JSON.stringify(body) : undefined,
      });
      return await r.json();
    };
    await call("GET", "/api/v1/me");
    const ws = await call("POST", "/api/v1/workspaces", {
      name: "Lag",
      slug: `lag-${Date.now()}`,
    });
    const ch = await call("POST", `/api/v1/workspaces/${ws.id}/channels`, {
      name: "lag",
      is_private: false,
    });
    const lags: number[] = [];
    let missing = 0;
    await openLoop(10, SECONDS, async (i) => {
      const word = `lagprobe${i}x${Date.now().toString(36)}`;
      const sent = performance.now();
      await call("POST", `/api/v1/channels/${ch.id}/messages`, { content: `probe ${word}` });
      for (;;) {
        const r = await call("GET", `/api/v1/search/messages?q=${word}&in=${ch.id}`);
        if (r.hits?.length) return void lags.push(performance.now() - sent);
        if (performance.now() - sent > 10_000) return void missing++;
        await sleep(10);
      }
    });
    return { lags: lags.sort((a, b) => a - b), missing };
  } finally {
    for (const c of [api, search]) await stopChild(c, "SIGTERM");
  }
}

const ms = (v: number) => v.toFixed(1);

async function main() {
  const { env, tokenUrl, drop } = await distributedTestEnv("benchsearch", {
    RATE_LIMIT_READS_PER_MIN: "1000000",
    RATE_LIMIT_WRITES_PER_MIN: "1000000",
    RATE_LIMIT_IP_PER_MIN: "1000000",
  });
  const sql = createPostgresSql({ url: env.DATABASE_URL!, maxConnections: 8 });
  const cleanups: (() => Promise<void>)[] = [];
  try {
    await migrate(sql, await colinkMigrations());
    const words = vocabulary(2000);
    const conversations = Array.from({ length: CONVERSATIONS }, () => crypto.randomUUID());
    const users = Array.from({ length: 10 }, () => crypto.randomUUID());
    await seed(sql, words, conversations, users);
    // Phrases people remember: two adjacent words of stored messages spread over the year.
    const quotes = (await sql.query<{ q: string }>(
      `select split_part(content, ' ', 5) || ' ' || split_part(content, ' ', 6) as q
         from search_messages where message_id in
           (select md5('m' || s)::uuid from generate_series(1, $1::bigint, $2::bigint) s)`,
      [N, Math.max(1, Math.floor(N / 400))],
    )).map((r) => r.q);
    const readable = conversations.slice(0, READABLE);
    const rows: string[][] = [];
    const engines: Record<string, SearchIndex> = { postgres: postgresIndex(sql) };
    const osPrefix = `colink-bench-${Date.now()}-`;
    if (ENGINES.includes("opensearch")) {
      engines.opensearch = openSearchIndex({ url: realServers().OPENSEARCH_URL, prefix: osPrefix });
      await loadOpenSearch(sql, engines.opensearch);
      cleanups.push(() => dropOpenSearchIndexes(realServers().OPENSEARCH_URL, osPrefix));
    }
    for (const k of kinds(words, users, quotes)) {
      for (const engine of ENGINES) {
        const index = engines[engine];
        if (!index) throw new Error(`unknown engine ${engine}`);
        progress(`${engine}: ${k.name} at ${RATE}/s for ${SECONDS} s while writing 50 msgs/s`);
        let writing = true;
        const writer = (async () => {
          let n = 0;
          while (writing) {
            await index.upsertMessages([{
              message_id: crypto.randomUUID(),
              workspace_id: crypto.randomUUID(),
              conversation_id: readable[n % READABLE]!,
              conversation_kind: "channel",
              user_id: users[n % users.length]!,
              parent_id: null,
              content: `${words[n % 300]} ${words[(n * 7) % 300]} fresh write ${n++}`,
              has_file: false,
              created_at: new Date(),
              version: 1,
            }]);
            await sleep(20);
          }
        })();
        const errors: string[] = [];
        const lat = await openLoop(RATE, SECONDS, (i) =>
          index.searchMessages({
            ...k.query(i),
            conversations: readable,
            now: new Date(),
            offset: 0,
            limit: 20,
          }), errors);
        writing = false;
        await writer;
        if (errors.length) {
          progress(`${engine}: ${errors.length} queries failed, e.g. ${errors[0]}`);
        }
        rows.push([
          engine,
          k.name,
          ms(percentile(lat, 50)),
          ms(percentile(lat, 95)),
          ms(percentile(lat, 99)),
          String(errors.length),
        ]);
      }
      progress(`baseline ILIKE scan: ${k.name} (${Math.min(RATE, 2)}/s for ${SECONDS} s)`);
      // The baseline is far slower: at the full rate it would only measure its own queue.
      const lat = await openLoop(Math.min(RATE, 2), SECONDS, (i) => {
        const p = k.plain(i);
        return sql.query(
          `select message_id from bench_plain where conversation_id = any($1::uuid[]) and ${p.where}
            order by created_at desc limit 21`,
          [readable, ...p.params],
        );
      });
      rows.push([
        "ILIKE scan (no index)",
        k.name,
        ms(percentile(lat, 50)),
        ms(percentile(lat, 95)),
        ms(percentile(lat, 99)),
      ]);
    }
    progress("one query at a time (service time, no writes)");
    const serial: string[][] = [];
    for (const k of kinds(words, users, quotes)) {
      for (const engine of ENGINES) {
        const index = engines[engine]!;
        const lat: number[] = [];
        for (let i = 0; i < 30; i++) {
          const t0 = performance.now();
          await index.searchMessages({
            ...k.query(i),
            conversations: readable,
            now: new Date(),
            offset: 0,
            limit: 20,
          });
          lat.push(performance.now() - t0);
        }
        lat.sort((a, b) => a - b);
        serial.push([
          engine,
          k.name,
          ms(percentile(lat, 50)),
          ms(percentile(lat, 95)),
          ms(percentile(lat, 99)),
        ]);
      }
      const lat: number[] = [];
      for (let i = 0; i < 5; i++) {
        const p = k.plain(i);
        const t0 = performance.now();
        await sql.query(
          `select message_id from bench_plain where conversation_id = any($1::uuid[]) and ${p.where}
            order by created_at desc limit 21`,
          [readable, ...p.params],
        );
        lat.push(performance.now() - t0);
      }
      lat.sort((a, b) => a - b);
      serial.push([
        "ILIKE scan (no index)",
        k.name,
        ms(percentile(lat, 50)),
        ms(percentile(lat, 95)),
        ms(percentile(lat, 99)),
      ]);
    }
    const lagRows: string[][] = [];
    for (const engine of ENGINES) {
      progress(`index lag (${engine}): CoLink (API + search service) on the seeded database`);
      const { lags, missing } = await indexLag(
        { ...env, COLINK_ENV: "test", HOST: "127.0.0.1" },
        engine === "opensearch"
          ? {
            OPENSEARCH_URL: realServers().OPENSEARCH_URL,
            OPENSEARCH_INDEX_PREFIX: `${osPrefix}lag-`,
          }
          : {},
        tokenUrl,
      );
      lagRows.push([
        engine,
        ms(percentile(lags, 50)),
        ms(percentile(lags, 95)),
        ms(percentile(lags, 99)),
        String(missing),
      ]);
    }
    const out = [
      `bench:search — ${N.toLocaleString("en")} messages (12 words each from 2,000, Zipf-like), ` +
      `${CONVERSATIONS} conversations, the caller reads ${READABLE}; ${RATE} queries/s for ${SECONDS} s ` +
      `per kind while 50 messages/s are written; 2 cores, deploy/local PostgreSQL 15`,
      "",
      markdownTable(["engine", "query", "p50 ms", "p95 ms", "p99 ms", "failed"], rows),
      "",
      "One query at a time (service time, nothing else running; 30 queries, the scan 5):",
      "",
      markdownTable(["engine", "query", "p50 ms", "p95 ms", "p99 ms"], serial),
      "",
      markdownTable(
        [
          "index lag (send → searchable, through the API and Kafka)",
          "p50 ms",
          "p95 ms",
          "p99 ms",
          "not found in 10 s",
        ],
        lagRows,
      ),
    ].join("\n");
    console.log(out);
  } finally {
    for (const c of cleanups) await c().catch(() => {});
    await sql.close();
    await drop();
  }
}

await main();
