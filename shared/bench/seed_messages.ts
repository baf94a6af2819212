/**
 * Bulk-loads one channel of a fresh workspace with N messages, directly with SQL (chunks of
 * `insert ... select ... from generate_series`): seq 1..N, `channels.last_seq = N`, authors
 * rotating over a few users (the dev users, so their tokens work against the embedded issuer
 * and the Keycloak dev realm alike), every 10th message a thread reply to the one before it
 * (with its `threads` row), timestamps one second apart ending now. Ends with VACUUM ANALYZE, so
 * the planner knows the table and autovacuum does not wake up in the middle of a benchmark.
 * Shows a progress bar on stderr.
 *
 *   deno task bench:seed [--messages=N]                 # default 1,000,000
 *     DATABASE_URL=postgres://... → that PostgreSQL database (migrated first)
 *     otherwise DATA_DIR (default ./data) → PGlite in DATA_DIR/pglite; stop `deno task dev` first
 *
 * seedMessages() is the same thing as a function (shared/bench/messages.ts uses it).
 */
import { colinkMigrations, DEV_USERS, type DevUser } from "@colink/db";
import { createPgliteSql, migrate, type Sql } from "@colink/platform";

export interface SeedOptions {
  /** How many messages (default 1,000,000). */
  messages?: number;
  /** Who writes them (default: the dev users who can sign in with a password alone). */
  authors?: readonly DevUser[];
  /** Rows per INSERT statement (default 20,000). */
  chunk?: number;
  /** Every k-th message is a thread reply to the message before it; 0: none (default 10). */
  replyEvery?: number;
  /** Workspace slug and channel name (default: bench-<random> and `bench`). */
  slug?: string;
  channelName?: string;
  /** Progress callback; default: a bar on stderr. Pass `() => {}` for none. */
  progress?: (done: number, total: number) => void;
}

export interface SeededChannel {
  workspaceId: string;
  channelId: string;
  /** username → users.id of every author (all of them workspace and channel members). */
  userIds: Record<string, string>;
  messages: number;
  /** Messages that are not thread replies (what channel history pages show). */
  topLevel: number;
  /** Wall time of the load, the final VACUUM ANALYZE excluded / included. */
  insertMs: number;
  totalMs: number;
}

/** The dev users a password grant works for (dave signs in with a TOTP second factor). */
export const PASSWORD_USERS: readonly DevUser[] = DEV_USERS.filter((u) => u.username !== "dave");

/**
 * The id of the seeded message at position `seq` (SQL expression over parameter `$chan` text and
 * an integer expression): md5-derived, with the version and variant nibbles of a v4 UUID so it
 * passes strict UUID validation. Deterministic, so a reply can name its parent in the same
 * statement.
 */
const idExpr = (chan: string, seq: string) =>
  `overlay(overlay(md5(${chan} || ':' || (${seq})::text) placing '4' from 13) placing '8' from 17)::uuid`;

/** The id of the message at position `seq` of a channel (e.g. a deep history cursor). */
export async function messageIdAt(
  sql: Sql,
  channelId: string,
  seq: number,
): Promise<string> {
  const [row] = await sql.query<{ id: string }>(
    "select id from messages where channel_id = $1 and seq = $2",
    [channelId, seq],
  );
  if (!row) throw new Error(`no message at seq ${seq} in channel ${channelId}`);
  return row.id;
}

export async function seedMessages(sql: Sql, o: SeedOptions = {}): Promise<SeededChannel> {
  const total = o.messages ?? 1_000_000;
  const chunk = o.chunk ?? 20_000;
  const replyEvery = o.replyEvery ?? 10;
  const authors = o.authors ?? PASSWORD_USERS;
  if (!Number.isInteger(total) || total < 1) throw new Error("messages must be an integer >= 1");
  if (!authors.length) throw new Error("at least one author");
  const started = performance.now();
  const slug = o.slug ?? `bench-${crypto.randomUUID().slice(0, 8)}`;
  const progress = o.progress ?? progressBar(`seeding ${slug}`, total).update;

  const { workspaceId, channelId, userIds } = await sql.transaction(async (tx) => {
    for (const u of authors) {
      await tx.query(
        `insert into users (id, keycloak_id, username, display_name, email, realm_roles)
         values ($1, $2, $3, $4, $5, $6) on conflict do nothing`,
        [u.id, u.sub, u.username, u.display_name, u.email, u.realm_roles],
      );
    }
    // By keycloak_id: in a database where the users signed in before, their ids are their own.
    const users = await tx.query<{ id: string; keycloak_id: string }>(
      "select id, keycloak_id from users where keycloak_id = any($1::text[])",
      [authors.map((u) => u.sub)],
    );
    const idOf = new Map(users.map((u) => [u.keycloak_id, u.id]));
    const userIds = Object.fromEntries(authors.map((u) => [u.username, idOf.get(u.sub)!]));
    const owner = userIds[authors[0]!.username]!;
    const [ws] = await tx.query<{ id: string }>(
      "insert into workspaces (name, slug, created_by) values ($1, $2, $3) returning id",
      [`Bench ${slug}`, slug, owner],
    );
    const [ch] = await tx.query<{ id: string }>(
      `insert into channels (workspace_id, name, description, created_by)
       values ($1, $2, 'Bulk-seeded for benchmarks', $3) returning id`,
      [ws!.id, o.channelName ?? "bench", owner],
    );
    for (const [i, id] of Object.values(userIds).entries()) {
      const role = i === 0 ? "owner" : "member";
      await tx.query(
        "insert into workspace_members (workspace_id, user_id, role) values ($1, $2, $3)",
        [ws!.id, id, role],
      );
      await tx.query(
        "insert into channel_members (channel_id, user_id, role) values ($1, $2, $3)",
        [ch!.id, id, role],
      );
    }
    return { workspaceId: ws!.id, channelId: ch!.id, userIds };
  });

  const authorIds = Object.values(userIds);
  // Timestamps one second apart, the newest now.
  const base = new Date(Date.now() - total * 1000);
  const isReply = (k: string) => `s > 1 and ${k}::int > 0 and s % ${k}::int = 0`;
  progress(0, total);
  for (let from = 1; from <= total; from += chunk) {
    const to = Math.min(total, from + chunk - 1);
    const params = [channelId, from, to, authorIds, replyEvery, base];
    await sql.transaction(async (tx) => {
      await tx.query(
        `insert into messages (id, channel_id, user_id, parent_id, seq, content, created_at)
         select ${idExpr("$1::text", "s")}, $1::uuid,
                ($4::uuid[])[1 + (s % cardinality($4::uuid[]))::int],
                case when ${isReply("$5")} then ${idExpr("$1::text", "s - 1")} end,
                s,
                case when ${
          isReply("$5")
        } then 'Reply ' || s || ' in the thread of message ' || (s - 1)
                     else 'Seeded message ' || s || ': the quick brown fox jumps over the lazy dog'
                end,
                $6::timestamptz + s * interval '1 second'
           from generate_series($2::bigint, $3::bigint) s`,
        params,
      );
      if (replyEvery > 0) {
        await tx.query(
          `insert into threads (parent_message_id, reply_count, last_reply_at)
           select ${idExpr("$1::text", "s - 1")}, 1, $5::timestamptz + s * interval '1 second'
             from generate_series($2::bigint, $3::bigint) s
            where ${isReply("$4")}`,
          [channelId, from, to, replyEvery, base],
        );
      }
    });
    progress(to, total);
  }
  await sql.query("update channels set last_seq = $2 where id = $1", [channelId, total]);
  const insertMs = performance.now() - started;
  // One statement each: several in one simple query would make an (implicit) transaction block.
  await sql.exec("vacuum analyze messages");
  await sql.exec("vacuum analyze threads");
  const [{ n: topLevel } = { n: 0 }] = await sql.query<{ n: number }>(
    "select count(*)::int as n from messages where channel_id = $1 and parent_id is null",
    [channelId],
  );
  return {
    workspaceId,
    channelId,
    userIds,
    messages: total,
    topLevel,
    insertMs,
    totalMs: performance.now() - started,
  };
}

import { progressBar } from "@colink/runtime";
export { progressBar };

async function main() {
  const flag = (name: string) =>
    Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const messages = Number(flag("messages") ?? 1_000_000);
  if (!Number.isInteger(messages) || messages < 1 || Deno.args.some((a) => !a.startsWith("--"))) {
    console.error(
      "usage: deno task bench:seed [--messages=N]\n" +
        "  into DATABASE_URL (PostgreSQL) when set, else PGlite in DATA_DIR/pglite (default ./data)",
    );
    Deno.exit(64);
  }
  const url = Deno.env.get("DATABASE_URL");
  let sql: Sql;
  if (url) {
    const { createPostgresSql } = await import("@colink/platform/postgres");
    sql = createPostgresSql({ url, maxConnections: 2, applicationName: "colink-bench-seed" });
    console.error(`[bench:seed] PostgreSQL ${url.replace(/\/\/[^@/]*@/, "//")}`);
  } else {
    const dir = `${Deno.env.get("DATA_DIR") ?? "./data"}/pglite`;
    console.error(`[bench:seed] PGlite in ${dir} (no DATABASE_URL; stop deno task dev first)`);
    sql = await createPgliteSql({ dataDir: dir });
  }
  try {
    const applied = await migrate(sql, await colinkMigrations());
    if (applied.applied.length) console.error(`[bench:seed] migrated: ${applied.applied}`);
    const s = await seedMessages(sql, { messages });
    console.log(JSON.stringify(
      {
        ...s,
        insertMs: Math.round(s.insertMs),
        totalMs: Math.round(s.totalMs),
        rowsPerSec: Math.round(s.messages / (s.insertMs / 1000)),
      },
      null,
      2,
    ));
  } finally {
    await sql.close();
  }
}

if (import.meta.main) await main();
