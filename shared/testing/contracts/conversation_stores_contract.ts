import assert from "node:assert/strict";
import {
  conversationDirectory,
  type ConversationRef,
  lockPositions,
  type MessagePageRows,
  type MessageRecord,
  participantKey,
  type ReadCounts,
  sqlStores,
  type Stores,
} from "@colink/conversations";
import { colinkMigrations } from "@colink/db";
import { HttpError } from "@colink/http";
import { createMemoryKeyValue, migrate, type Sql, type SqlExecutor } from "@colink/platform";
import { sleep, uniqueSuffix } from "../wait.ts";

/** How long a transaction is held open to show that another one waits for it. */
const HOLD_MS = 300;

/** What a message to write says; everything else has defaults. */
interface Post {
  user: string;
  content?: string;
  parent?: MessageRecord;
  mentions?: string[];
  at?: Date;
}

const ids = (rows: readonly { id: string }[]) => rows.map((r) => r.id);
const pageOf = (p: MessagePageRows) => ({ ids: ids(p.rows), has_more: p.has_more });
const countsOf = (r: ReadCounts) => ({
  last_read_seq: r.last_read_seq,
  last_read_message_id: r.last_read_message_id,
  unread_count: r.unread_count,
  mention_count: r.mention_count,
  last_message_at: r.last_message_at,
});

/**
 * Runs `first.start` in a transaction, then `second` in another transaction, and holds the first
 * one open for HOLD_MS before it runs `first.finish` and commits (or rolls back when `finish`
 * throws). Tells whether `second` had finished while the first transaction was still open.
 */
async function whileOpen<A, B>(
  sql: Sql,
  first: { start(tx: SqlExecutor): Promise<A>; finish(tx: SqlExecutor, a: A): Promise<void> },
  second: (tx: SqlExecutor) => Promise<B>,
): Promise<{ first: PromiseSettledResult<A>; second: B; secondFinishedEarly: boolean }> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const hasStarted = new Promise<void>((r) => (started = r));
  const a = sql.transaction(async (tx) => {
    const r = await first.start(tx);
    started();
    await released;
    await first.finish(tx, r);
    return r;
  });
  await Promise.race([hasStarted, a]);
  let secondDone = false;
  const b = sql.transaction(second).finally(() => {
    secondDone = true;
  });
  await sleep(HOLD_MS);
  const secondFinishedEarly = secondDone;
  release();
  const [settled] = await Promise.allSettled([a]);
  return { first: settled!, second: await b, secondFinishedEarly };
}

/**
 * The conversation stores' contract (shared/conversations/stores): every behaviour their doc
 * comments promise, on a freshly migrated database, including the ones that only concurrency
 * shows (one DM per set of people, commit-ordered positions, exact reply counters, idempotency
 * keys that make a concurrent retry wait). PGlite serialises transactions, so there the
 * concurrent steps hold trivially; they run anyway, and they bite on PostgreSQL.
 */
export function conversationStoresContract(
  adapter: string,
  makeSql: () => Promise<{ sql: Sql; dispose(): Promise<void> }>,
): void {
  Deno.test({
    name: `conversation stores contract [${adapter}]`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const fx = await makeSql();
      const { sql } = fx;
      const kv = createMemoryKeyValue();
      try {
        await migrate(sql, await colinkMigrations());
        const s: Stores = sqlStores(sql);
        const run = uniqueSuffix();

        let made = 0;
        /** A user inserted directly (the users service owns them). */
        const user = async (o: { deactivated?: boolean } = {}) => {
          const n = ++made;
          const [row] = await sql.query<{ id: string }>(
            `insert into users (keycloak_id, username, display_name, deactivated_at)
             values ($1, $2, $3, $4) returning id`,
            [`kc-${run}-${n}`, `user${n}`, `User ${n}`, o.deactivated ? new Date() : null],
          );
          return row!.id;
        };
        const workspace = async (owner: string) => {
          const n = ++made;
          const w = await s.workspaces.create({
            name: `W ${n}`,
            slug: `ws-${n}`,
            created_by: owner,
          });
          assert.ok(w, "workspace created");
          return w;
        };
        const channel = async (
          workspaceId: string,
          by: string,
          o: { name?: string; is_private?: boolean; is_default?: boolean } = {},
        ) => {
          const c = await s.channels.create({
            workspace_id: workspaceId,
            name: o.name ?? `c${++made}`,
            description: "",
            is_private: o.is_private ?? false,
            is_default: o.is_default,
            created_by: by,
          });
          assert.ok(c, "channel created");
          return c;
        };
        const ref = (c: { id: string }): ConversationRef => ({ kind: "channel", id: c.id });
        const dmRef = (d: { id: string }): ConversationRef => ({ kind: "dm", id: d.id });
        /** A clock that moves a second per tick, so message times are known exactly. */
        let clock = Date.parse("2026-03-01T09:00:00.000Z");
        const tick = () => new Date(clock += 1000);
        /** Writes messages as the services do: positions taken under the conversation's lock. */
        const post = (conv: ConversationRef, ...posts: Post[]): Promise<MessageRecord[]> =>
          sql.transaction(async (tx) => {
            const pos = await lockPositions(tx, conv);
            const rows = await sqlStores(tx).messages.insertMany(posts.map((p) => ({
              id: crypto.randomUUID(),
              conversation: conv,
              user_id: p.user,
              parent_id: p.parent?.id ?? null,
              seq: pos.next(),
              content: p.content ?? "hello",
              client_msg_id: null,
              mentions: p.mentions ?? [],
              created_at: p.at ?? tick(),
            })));
            await pos.save();
            return rows.sort((a, b) => a.seq - b.seq);
          });
        const postOne = async (conv: ConversationRef, p: Post) => (await post(conv, p))[0]!;

        // --- workspaces -------------------------------------------------------------------

        await t.step("workspaces.create() returns undefined when the slug is taken", async () => {
          const u = await user();
          const w = await s.workspaces.create({ name: "Acme", slug: `acme-${run}`, created_by: u });
          assert.ok(w);
          assert.equal(w.name, "Acme");
          assert.equal(w.slug, `acme-${run}`);
          assert.equal(w.created_by, u);
          assert.deepEqual(await s.workspaces.get(w.id), w);
          assert.equal(
            await s.workspaces.create({ name: "Other", slug: `acme-${run}`, created_by: u }),
            undefined,
          );
          const [n] = await sql.query<{ n: number }>(
            "select count(*)::int as n from workspaces where slug = $1",
            [`acme-${run}`],
          );
          assert.equal(n!.n, 1);
        });

        await t.step(
          "workspaces.listForUser() lists the user's workspaces with their role, oldest first",
          async () => {
            const u = await user();
            const other = await user();
            const w1 = await workspace(u);
            const w2 = await workspace(other);
            const w3 = await workspace(other);
            await s.workspaces.addMember(w1.id, u, "owner");
            await s.workspaces.addMember(w2.id, u, "guest");
            await s.workspaces.addMember(w3.id, other, "owner");
            assert.deepEqual(await s.workspaces.listForUser(u), [
              { ...w1, role: "owner" },
              { ...w2, role: "guest" },
            ]);
            assert.deepEqual(await s.workspaces.listForUser(await user()), []);
          },
        );

        await t.step(
          "workspaces.addMember() is idempotent: undefined the second time, the first role kept",
          async () => {
            const u = await user();
            const w = await workspace(u);
            const first = await s.workspaces.addMember(w.id, u, "admin");
            assert.ok(first);
            assert.deepEqual(
              { workspace_id: first.workspace_id, user_id: first.user_id, role: first.role },
              { workspace_id: w.id, user_id: u, role: "admin" },
            );
            assert.ok(first.joined_at instanceof Date);
            assert.equal(await s.workspaces.addMember(w.id, u, "member"), undefined);
            assert.deepEqual(await s.workspaces.member(w.id, u), first);
          },
        );

        await t.step(
          "workspaces.membersAmong() leaves out non-members and deactivated users",
          async () => {
            const [a, b, gone, outsider] = [
              await user(),
              await user(),
              await user({ deactivated: true }),
              await user(),
            ];
            const w = await workspace(a!);
            for (const id of [a!, b!, gone!]) await s.workspaces.addMember(w.id, id, "member");
            assert.deepEqual(
              (await s.workspaces.membersAmong(w.id, [a!, gone!, outsider!, b!])).sort(),
              [a!, b!].sort(),
            );
            assert.deepEqual(await s.workspaces.membersAmong(w.id, []), []);
            assert.deepEqual(
              (await s.workspaces.members(w.id)).map((m) => m.user_id).sort(),
              [a!, b!].sort(),
            );
          },
        );

        // --- channels ---------------------------------------------------------------------

        await t.step(
          "channels.create() takes the first position; undefined for a name taken in the workspace, fine in another",
          async () => {
            const u = await user();
            const w1 = await workspace(u);
            const w2 = await workspace(u);
            const c = await s.channels.create({
              workspace_id: w1.id,
              name: "general",
              description: "Everything",
              is_private: false,
              created_by: u,
            });
            assert.ok(c);
            assert.deepEqual(
              {
                workspace_id: c.workspace_id,
                name: c.name,
                description: c.description,
                is_private: c.is_private,
                is_default: c.is_default,
                archived_at: c.archived_at,
                created_by: c.created_by,
              },
              {
                workspace_id: w1.id,
                name: "general",
                description: "Everything",
                is_private: false,
                is_default: false,
                archived_at: null,
                created_by: u,
              },
            );
            assert.deepEqual(await s.channels.get(c.id), c);
            assert.equal(await s.sequences.current(ref(c)), 1);
            assert.equal(
              await s.channels.create({
                workspace_id: w1.id,
                name: "general",
                description: "",
                is_private: true,
                created_by: u,
              }),
              undefined,
            );
            const elsewhere = await s.channels.create({
              workspace_id: w2.id,
              name: "general",
              description: "",
              is_private: false,
              created_by: u,
            });
            assert.ok(elsewhere);
            assert.notEqual(elsewhere.id, c.id);
            assert.equal(elsewhere.workspace_id, w2.id);
          },
        );

        await t.step(
          "channels.update() renames and describes; conflict on a taken name, undefined for no such channel",
          async () => {
            const u = await user();
            const w = await workspace(u);
            const a = await channel(w.id, u, { name: "alpha" });
            await channel(w.id, u, { name: "beta" });
            assert.equal(await s.channels.update(a.id, { name: "beta" }), "conflict");
            assert.equal((await s.channels.get(a.id))!.name, "alpha");
            const renamed = await s.channels.update(a.id, { name: "gamma" });
            assert.ok(renamed && renamed !== "conflict");
            assert.equal(renamed.name, "gamma");
            assert.equal(renamed.description, "");
            const described = await s.channels.update(a.id, { description: "About gamma" });
            assert.ok(described && described !== "conflict");
            assert.deepEqual([described.name, described.description], ["gamma", "About gamma"]);
            assert.deepEqual(await s.channels.get(a.id), described);
            assert.equal(
              await s.channels.update(crypto.randomUUID(), { name: "delta" }),
              undefined,
            );
          },
        );

        await t.step(
          "channels.archive() archives once; the second call returns undefined and keeps the first date",
          async () => {
            const u = await user();
            const w = await workspace(u);
            const c = await channel(w.id, u);
            const at = new Date("2026-02-01T10:00:00.000Z");
            const archived = await s.channels.archive(c.id, at);
            assert.ok(archived);
            assert.deepEqual(archived.archived_at, at);
            assert.equal(
              await s.channels.archive(c.id, new Date("2026-02-02T10:00:00.000Z")),
              undefined,
            );
            assert.deepEqual((await s.channels.get(c.id))!.archived_at, at);
            assert.equal(await s.channels.archive(crypto.randomUUID(), at), undefined);
          },
        );

        await t.step(
          "channels.addMember() starts the member at the channel's last position (everything read); undefined when already a member",
          async () => {
            const u = await user();
            const newcomer = await user();
            const w = await workspace(u);
            const c = await channel(w.id, u);
            await s.channels.addMember(c.id, u, "owner");
            await post(ref(c), { user: u }, { user: u }, { user: u });
            assert.equal(await s.sequences.current(ref(c)), 4);
            const m = await s.channels.addMember(c.id, newcomer, "member");
            assert.ok(m);
            assert.deepEqual(
              { channel_id: m.channel_id, user_id: m.user_id, role: m.role, seq: m.last_read_seq },
              { channel_id: c.id, user_id: newcomer, role: "member", seq: 4 },
            );
            assert.equal((await s.reads.counts(ref(c), newcomer))!.unread_count, 0);
            assert.equal(await s.channels.addMember(c.id, newcomer, "admin"), undefined);
            assert.deepEqual(await s.channels.member(c.id, newcomer), m);
            await postOne(ref(c), { user: u });
            assert.equal((await s.reads.counts(ref(c), newcomer))!.unread_count, 1);
            assert.deepEqual(
              (await s.channels.members(c.id)).map((x) => x.user_id).sort(),
              [u, newcomer].sort(),
            );
            assert.deepEqual(
              await s.channels.membersAmong(c.id, [newcomer, await user()]),
              [newcomer],
            );
          },
        );

        await t.step("channels.removeMember() removes; false when not a member", async () => {
          const u = await user();
          const v = await user();
          const w = await workspace(u);
          const c = await channel(w.id, u);
          await s.channels.addMember(c.id, u, "owner");
          await s.channels.addMember(c.id, v, "member");
          assert.equal(await s.channels.removeMember(c.id, v), true);
          assert.equal(await s.channels.member(c.id, v), undefined);
          assert.equal(await s.channels.removeMember(c.id, v), false);
          assert.deepEqual((await s.channels.members(c.id)).map((m) => m.user_id), [u]);
        });

        await t.step(
          "channels.listVisible() shows member channels and, only withPublic, public ones; never others' private ones",
          async () => {
            const u = await user();
            const other = await user();
            const w = await workspace(other);
            const elsewhere = await workspace(other);
            const mine = await channel(w.id, other, { name: "a-mine" });
            const minePrivate = await channel(w.id, other, {
              name: "d-mine-private",
              is_private: true,
            });
            const open = await channel(w.id, other, { name: "b-open" });
            const secret = await channel(w.id, other, { name: "c-secret", is_private: true });
            const far = await channel(elsewhere.id, other, { name: "a-far" });
            for (const c of [mine, minePrivate, open, secret, far]) {
              await s.channels.addMember(c.id, other, "owner");
            }
            await s.channels.addMember(mine.id, u, "member");
            await s.channels.addMember(minePrivate.id, u, "admin");
            await postOne(ref(open), { user: other });
            await postOne(ref(mine), { user: other });

            const without = await s.channels.listVisible(w.id, u, false);
            assert.deepEqual(ids(without), [mine.id, minePrivate.id]);
            assert.deepEqual(without.map((c) => [c.role, c.member_count, c.unread_count]), [
              ["member", 2, 1],
              ["admin", 2, 0],
            ]);

            const withPublic = await s.channels.listVisible(w.id, u, true);
            assert.deepEqual(ids(withPublic), [mine.id, open.id, minePrivate.id]);
            const browsed = withPublic[1]!;
            assert.deepEqual(
              [browsed.role, browsed.member_count, browsed.unread_count, browsed.mention_count],
              [null, 1, 0, 0],
            );
            // Another workspace's channels are listed only for that workspace (whether the user
            // may list it at all is the caller's check).
            assert.deepEqual(ids(await s.channels.listVisible(elsewhere.id, u, false)), []);
            assert.deepEqual(ids(await s.channels.listVisible(elsewhere.id, u, true)), [far.id]);
          },
        );

        await t.step(
          "channel listings count unread top-level messages of others and mentions (replies included) after the marker; deleted and own messages count for nothing",
          async () => {
            const reader = await user();
            const other = await user();
            const w = await workspace(other);
            const c = await channel(w.id, other);
            await s.channels.addMember(c.id, other, "owner");
            await s.channels.addMember(c.id, reader, "member");
            const conv = ref(c);
            const before = await postOne(conv, { user: other, mentions: [reader] });
            assert.equal(await s.reads.advance(conv, reader, before.seq), before.seq);
            const [plain, mentioning, replyMentioning, replyPlain, own, deleted, deletedReply] =
              await post(
                conv,
                { user: other },
                { user: other, mentions: [reader] },
                { user: other, parent: before, mentions: [reader] },
                { user: other, parent: before },
                { user: reader, mentions: [reader] },
                { user: other, mentions: [reader] },
                { user: other, parent: before, mentions: [reader] },
              );
            assert.ok(plain && mentioning && replyMentioning && replyPlain);
            await s.messages.softDelete(deleted!.id, other, tick());
            await s.messages.softDelete(deletedReply!.id, other, tick());
            const expected = {
              last_read_seq: before.seq,
              last_read_message_id: before.id,
              unread_count: 2,
              mention_count: 2,
              last_message_at: own!.created_at,
            };
            assert.deepEqual(countsOf((await s.channels.listing(c.id, reader))!), expected);
            assert.deepEqual(countsOf((await s.reads.counts(conv, reader))!), expected);
            const listed = (await s.channels.listVisible(w.id, reader, false))
              .find((x) => x.id === c.id);
            assert.ok(listed);
            assert.deepEqual(countsOf(listed), expected);
            // The other member joined at position 1: of everyone else's messages only the
            // reader's own top-level one is unread for them, and it does not mention them.
            const theirs = (await s.channels.listing(c.id, other))!;
            assert.deepEqual([theirs.unread_count, theirs.mention_count], [1, 0]);
          },
        );

        await t.step("channels.defaultChannels() lists the live default channels", async () => {
          const u = await user();
          const w = await workspace(u);
          const general = await channel(w.id, u, { is_default: true });
          const old = await channel(w.id, u, { is_default: true });
          await channel(w.id, u);
          await s.channels.archive(old.id, tick());
          assert.deepEqual(ids(await s.channels.defaultChannels(w.id)), [general.id]);
        });

        // --- direct messages -------------------------------------------------------------

        await t.step(
          "participantKey() is the same for the same set of people in any order, with repeats and any case",
          () => {
            const [a, b, c] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
            const key = participantKey([a, b, c]);
            assert.equal(key, [a, b, c].sort().join(","));
            assert.equal(participantKey([c, a, b, a, c]), key);
            assert.equal(participantKey([b.toUpperCase(), c, a]), key);
            assert.notEqual(participantKey([a, b]), key);
          },
        );

        await t.step(
          "dms.open() gives the same DM for the same set of people in any order",
          async () => {
            const [a, b, c] = [await user(), await user(), await user()];
            const w = await workspace(a!);
            const w2 = await workspace(a!);
            const first = await s.dms.open(w.id, [a!, b!, c!]);
            assert.equal(first.created, true);
            assert.deepEqual(first.dm.participant_ids, [a!, b!, c!].sort());
            assert.equal(first.dm.workspace_id, w.id);
            assert.equal(await s.sequences.current(dmRef(first.dm)), 1);
            const again = await s.dms.open(w.id, [c!, a!, b!, a!]);
            assert.deepEqual(again, { dm: first.dm, created: false });
            assert.deepEqual(await s.dms.get(first.dm.id), first.dm);
            const pair = await s.dms.open(w.id, [a!, b!]);
            assert.equal(pair.created, true);
            assert.notEqual(pair.dm.id, first.dm.id);
            const otherWorkspace = await s.dms.open(w2.id, [b!, c!, a!]);
            assert.equal(otherWorkspace.created, true);
            assert.notEqual(otherWorkspace.dm.id, first.dm.id);
            assert.equal(await s.dms.get(crypto.randomUUID()), undefined);
          },
        );

        await t.step(
          "dms.open() of the same set from 8 concurrent transactions makes exactly one DM",
          async () => {
            const people = [await user(), await user(), await user()];
            const w = await workspace(people[0]!);
            const orders = Array.from(
              { length: 8 },
              (_, i) => [...people.slice(i % 3), ...people.slice(0, i % 3), people[i % 3]!],
            );
            const opened = await Promise.all(
              orders.map((o) => sql.transaction((tx) => sqlStores(tx).dms.open(w.id, o))),
            );
            assert.equal(opened.filter((x) => x.created).length, 1);
            assert.equal(new Set(opened.map((x) => x.dm.id)).size, 1);
            for (const x of opened) assert.deepEqual(x.dm.participant_ids, [...people].sort());
            const [row] = await sql.query<{ dms: number; participants: number }>(
              `select (select count(*) from direct_messages where workspace_id = $1)::int as dms,
                      (select count(*) from dm_participants p join direct_messages d on d.id = p.dm_id
                        where d.workspace_id = $1)::int as participants`,
              [w.id],
            );
            assert.deepEqual(row, { dms: 1, participants: 3 });
          },
        );

        await t.step(
          "dms.listForUser() lists the user's DMs in the workspace, most recently active first, with unread counts",
          async () => {
            const [u, a, b] = [await user(), await user(), await user()];
            const w = await workspace(u!);
            const other = await workspace(u!);
            const withA = (await s.dms.open(w.id, [u!, a!])).dm;
            await sleep(5);
            const withB = (await s.dms.open(w.id, [u!, b!])).dm;
            await s.dms.open(w.id, [a!, b!]);
            await s.dms.open(other.id, [u!, a!]);
            assert.deepEqual(ids(await s.dms.listForUser(w.id, u!)), [withB.id, withA.id]);

            const later = new Date(Date.now() + 3_600_000);
            const m = await postOne(dmRef(withA), { user: a!, mentions: [u!], at: later });
            const listed = await s.dms.listForUser(w.id, u!);
            assert.deepEqual(ids(listed), [withA.id, withB.id]);
            assert.deepEqual(listed[0]!.participant_ids, [u!, a!].sort());
            assert.deepEqual(countsOf(listed[0]!), {
              last_read_seq: 0,
              last_read_message_id: null,
              unread_count: 1,
              mention_count: 1,
              last_message_at: later,
            });
            assert.deepEqual(
              countsOf((await s.dms.listing(withA.id, a!))!),
              {
                last_read_seq: 0,
                last_read_message_id: null,
                unread_count: 0,
                mention_count: 0,
                last_message_at: later,
              },
            );
            await s.reads.advance(dmRef(withA), u!, m.seq);
            assert.equal((await s.dms.listing(withA.id, u!))!.unread_count, 0);
            assert.equal(await s.dms.listing(withA.id, b!), undefined);
            assert.deepEqual(ids(await s.dms.listForUser(w.id, await user())), []);
          },
        );

        // --- sequences ---------------------------------------------------------------------

        await t.step(
          "lockPositions() hands out gap-free positions: none taken leaves it, a rollback gives them back",
          async () => {
            const u = await user();
            const w = await workspace(u);
            const conv = ref(await channel(w.id, u));
            const taken = await sql.transaction(async (tx) => {
              const pos = await lockPositions(tx, conv);
              assert.equal(pos.archived, false);
              const got = [pos.next(), pos.next(), pos.next()];
              assert.equal(pos.taken, 3);
              await pos.save();
              return got;
            });
            assert.deepEqual(taken, [2, 3, 4]);
            assert.equal(await s.sequences.current(conv), 4);
            await sql.transaction(async (tx) => {
              const pos = await lockPositions(tx, conv);
              assert.equal(pos.taken, 0);
              await pos.save();
            });
            assert.equal(await s.sequences.current(conv), 4);
            await assert.rejects(
              sql.transaction(async (tx) => {
                const pos = await lockPositions(tx, conv);
                pos.next();
                await pos.save();
                throw new Error("the write failed");
              }),
              /the write failed/,
            );
            assert.equal(await s.sequences.current(conv), 4);
            const next = await sql.transaction(async (tx) => {
              const pos = await lockPositions(tx, conv);
              const n = pos.next();
              await pos.save();
              return n;
            });
            assert.equal(next, 5);
          },
        );

        await t.step(
          "lockPositions() rejects a conversation that does not exist with a 404 and tells an archived channel",
          async () => {
            for (const kind of ["channel", "dm"] as const) {
              await assert.rejects(
                sql.transaction((tx) => lockPositions(tx, { kind, id: crypto.randomUUID() })),
                (e) => e instanceof HttpError && e.status === 404 && e.code === `${kind}_not_found`,
              );
            }
            const u = await user();
            const w = await workspace(u);
            const c = await channel(w.id, u);
            await s.channels.archive(c.id, tick());
            const archived = await sql.transaction(async (tx) =>
              (await lockPositions(tx, ref(c))).archived
            );
            assert.equal(archived, true);
            assert.deepEqual(await s.sequences.lock(ref(c)), { last: 1, archived: true });
          },
        );

        await t.step(
          "8 concurrent writers under lockPositions() never collide: each reads the committed position, last_seq ends at the count",
          async () => {
            const u = await user();
            const w = await workspace(u);
            const c = await channel(w.id, u);
            const conv = ref(c);
            const start = (await s.sequences.current(conv))!;
            const writers = await Promise.all(
              Array.from({ length: 8 }, (_, i) =>
                sql.transaction(async (tx) => {
                  const pos = await lockPositions(tx, conv);
                  // What the others committed before this writer got the lock.
                  const [committed] = await tx.query<{ max: number }>(
                    "select coalesce(max(seq), $2::int8) as max from messages where channel_id = $1",
                    [c.id, start],
                  );
                  await sleep(5); // a writer without the lock would now be overtaken
                  const seqs = [pos.next(), pos.next()];
                  await sqlStores(tx).messages.insertMany(seqs.map((seq) => ({
                    id: crypto.randomUUID(),
                    conversation: conv,
                    user_id: u,
                    parent_id: null,
                    seq,
                    content: `writer ${i}`,
                    client_msg_id: null,
                    mentions: [],
                    created_at: tick(),
                  })));
                  await pos.save();
                  return { committed: committed!.max, seqs };
                })),
            );
            for (const x of writers) assert.deepEqual(x.seqs, [x.committed + 1, x.committed + 2]);
            const expected = Array.from({ length: 16 }, (_, i) => start + 1 + i);
            assert.deepEqual(writers.flatMap((x) => x.seqs).sort((a, b) => a - b), expected);
            assert.equal(await s.sequences.current(conv), start + 16);
            const stored = await sql.query<{ seq: number }>(
              "select seq from messages where channel_id = $1 order by seq",
              [c.id],
            );
            assert.deepEqual(stored.map((r) => r.seq), expected);
          },
        );

        // --- messages ----------------------------------------------------------------------

        const u1 = await user();
        const u2 = await user();
        const mw = await workspace(u1);
        const history = await channel(mw.id, u1, { name: "history" });
        const hconv = ref(history);
        /** m[0..6]: seven top-level messages, with a reply written between m[2] and m[3]. */
        const m: MessageRecord[] = [];

        await t.step("messages.insertMany() writes a batch and returns the records", async () => {
          const at = tick();
          const batch = await sql.transaction(async (tx) => {
            const pos = await lockPositions(tx, hconv);
            const id = crypto.randomUUID();
            const rows = await sqlStores(tx).messages.insertMany([
              {
                id,
                conversation: hconv,
                user_id: u1,
                parent_id: null,
                seq: pos.next(),
                content: "first",
                client_msg_id: "client-1",
                mentions: [u2],
                created_at: at,
              },
              {
                id: crypto.randomUUID(),
                conversation: hconv,
                user_id: u2,
                parent_id: id,
                seq: pos.next(),
                content: "a reply",
                client_msg_id: null,
                mentions: [],
                created_at: at,
              },
            ]);
            await pos.save();
            return rows.sort((a, b) => a.seq - b.seq);
          });
          assert.equal(batch.length, 2);
          const [first, reply] = batch as [MessageRecord, MessageRecord];
          assert.deepEqual(first, {
            id: first.id,
            channel_id: history.id,
            dm_id: null,
            user_id: u1,
            parent_id: null,
            seq: 2,
            content: "first",
            client_msg_id: "client-1",
            mentions: [u2],
            created_at: at,
            edited_at: null,
            deleted_at: null,
            deleted_by: null,
            thread_locked_at: null,
          });
          assert.deepEqual([reply.parent_id, reply.seq, reply.user_id], [first.id, 3, u2]);
          assert.deepEqual(await s.messages.get(first.id), first);
          assert.deepEqual(await s.messages.insertMany([]), []);
          m.push(first);
          m.push(...await post(hconv, { user: u1 }, { user: u2 }));
          await postOne(hconv, { user: u2, parent: m[2]! });
          m.push(...await post(hconv, { user: u1 }, { user: u1 }, { user: u2 }, { user: u1 }));
          assert.equal(m.length, 7);
          const dm = (await s.dms.open(mw.id, [u1, u2])).dm;
          const inDm = await postOne(dmRef(dm), { user: u1 });
          assert.deepEqual([inDm.channel_id, inDm.dm_id, inDm.seq], [null, dm.id, 2]);
        });

        await t.step(
          "messages.history() pages newest first by keyset before a position, with has_more",
          async () => {
            const h = (w: { beforeSeq?: number; limit: number }) => s.messages.history(hconv, w);
            const mid = (...i: number[]) => i.map((k) => m[k]!.id);
            assert.deepEqual(pageOf(await h({ limit: 3 })), { ids: mid(6, 5, 4), has_more: true });
            assert.deepEqual(pageOf(await h({ beforeSeq: m[4]!.seq, limit: 3 })), {
              ids: mid(3, 2, 1),
              has_more: true,
            });
            assert.deepEqual(pageOf(await h({ beforeSeq: m[3]!.seq, limit: 3 })), {
              ids: mid(2, 1, 0),
              has_more: false,
            });
            assert.deepEqual(pageOf(await h({ beforeSeq: m[1]!.seq, limit: 3 })), {
              ids: mid(0),
              has_more: false,
            });
            assert.deepEqual(pageOf(await h({ limit: 50 })), {
              ids: mid(6, 5, 4, 3, 2, 1, 0),
              has_more: false,
            });
          },
        );

        await t.step(
          "messages.history() pages after a position (the oldest ones after it), newest first, with has_more",
          async () => {
            const h = (w: { afterSeq?: number; beforeSeq?: number; limit: number }) =>
              s.messages.history(hconv, w);
            const mid = (...i: number[]) => i.map((k) => m[k]!.id);
            assert.deepEqual(pageOf(await h({ afterSeq: 0, limit: 3 })), {
              ids: mid(2, 1, 0),
              has_more: true,
            });
            assert.deepEqual(pageOf(await h({ afterSeq: m[2]!.seq, limit: 3 })), {
              ids: mid(5, 4, 3),
              has_more: true,
            });
            assert.deepEqual(pageOf(await h({ afterSeq: m[3]!.seq, limit: 3 })), {
              ids: mid(6, 5, 4),
              has_more: false,
            });
            assert.deepEqual(pageOf(await h({ afterSeq: m[5]!.seq, limit: 3 })), {
              ids: mid(6),
              has_more: false,
            });
            assert.deepEqual(pageOf(await h({ afterSeq: m[6]!.seq, limit: 3 })), {
              ids: [],
              has_more: false,
            });
            assert.deepEqual(
              pageOf(await h({ afterSeq: m[0]!.seq, beforeSeq: m[4]!.seq, limit: 10 })),
              { ids: mid(3, 2, 1), has_more: false },
            );
          },
        );

        await t.step(
          "messages.replies() pages a thread oldest first by keyset both ways",
          async () => {
            const root = await postOne(hconv, { user: u1 });
            const r = await post(
              hconv,
              ...Array.from({ length: 5 }, (_, i) => ({ user: i % 2 ? u1 : u2, parent: root })),
            );
            await postOne(hconv, { user: u1 }); // top-level, not part of the thread
            const rid = (...i: number[]) => i.map((k) => r[k]!.id);
            const rp = (w: { beforeSeq?: number; afterSeq?: number; limit: number }) =>
              s.messages.replies(root.id, w);
            assert.deepEqual(pageOf(await rp({ limit: 2 })), { ids: rid(0, 1), has_more: true });
            assert.deepEqual(pageOf(await rp({ afterSeq: r[1]!.seq, limit: 2 })), {
              ids: rid(2, 3),
              has_more: true,
            });
            assert.deepEqual(pageOf(await rp({ afterSeq: r[2]!.seq, limit: 2 })), {
              ids: rid(3, 4),
              has_more: false,
            });
            assert.deepEqual(pageOf(await rp({ afterSeq: r[3]!.seq, limit: 2 })), {
              ids: rid(4),
              has_more: false,
            });
            assert.deepEqual(pageOf(await rp({ beforeSeq: r[4]!.seq, limit: 2 })), {
              ids: rid(2, 3),
              has_more: true,
            });
            assert.deepEqual(pageOf(await rp({ beforeSeq: r[2]!.seq, limit: 2 })), {
              ids: rid(0, 1),
              has_more: false,
            });
            assert.deepEqual(pageOf(await rp({ limit: 10 })), {
              ids: rid(0, 1, 2, 3, 4),
              has_more: false,
            });
            assert.equal((await s.messages.replies(m[0]!.id, { limit: 10 })).rows.length, 1);
          },
        );

        await t.step(
          "messages.edit() replaces the content and mentions and stamps edited_at",
          async () => {
            const msg = await postOne(hconv, { user: u1, content: "draft", mentions: [u2] });
            const at = tick();
            const edited = await s.messages.edit(msg.id, "final", [u1], at);
            assert.deepEqual(edited, { ...msg, content: "final", mentions: [u1], edited_at: at });
            assert.deepEqual(await s.messages.get(msg.id), edited);
          },
        );

        await t.step(
          "messages.softDelete() clears the content once; the second call returns undefined",
          async () => {
            const msg = await postOne(hconv, { user: u1, content: "oops", mentions: [u2] });
            const at = tick();
            const gone = await s.messages.softDelete(msg.id, u2, at);
            assert.deepEqual(gone, {
              ...msg,
              content: "",
              mentions: [],
              deleted_at: at,
              deleted_by: u2,
            });
            assert.equal(await s.messages.softDelete(msg.id, u1, tick()), undefined);
            assert.deepEqual(await s.messages.get(msg.id), gone);
          },
        );

        await t.step(
          "messages.getForUpdate() keeps other writers off the row until the transaction ends",
          async () => {
            const msg = await postOne(hconv, { user: u1, content: "v1" });
            const r = await whileOpen(
              sql,
              {
                start: (tx) => sqlStores(tx).messages.getForUpdate(msg.id),
                async finish(tx) {
                  await sqlStores(tx).messages.edit(msg.id, "v2", [], tick());
                },
              },
              (tx) => sqlStores(tx).messages.edit(msg.id, "v3", [], tick()),
            );
            assert.equal(r.secondFinishedEarly, false, "the second writer did not wait");
            assert.equal(r.first.status, "fulfilled");
            assert.deepEqual(
              r.first.status === "fulfilled" ? r.first.value : undefined,
              msg,
            );
            assert.equal(r.second.content, "v3");
            assert.equal((await s.messages.get(msg.id))!.content, "v3");
          },
        );

        await t.step(
          "messages.addReplies() is exact under 10 concurrent transactions",
          async () => {
            const root = await postOne(hconv, { user: u1 });
            const times = Array.from({ length: 10 }, () => tick());
            const shuffled = [...times.slice(5), ...times.slice(0, 5)];
            await Promise.all(shuffled.map((at) =>
              sql.transaction(async (tx) => {
                await sqlStores(tx).messages.addReplies([{ parentId: root.id, n: 1, at }]);
                await sleep(2);
              })
            ));
            const t1 = (await s.messages.threads([root.id])).get(root.id);
            assert.ok(t1);
            assert.deepEqual([t1.reply_count, t1.last_reply_at], [10, times[9]]);
            const other = await postOne(hconv, { user: u1 });
            const at = tick();
            await s.messages.addReplies([
              { parentId: root.id, n: 3, at },
              { parentId: other.id, n: 2, at },
            ]);
            const both = await s.messages.threads([root.id, other.id]);
            assert.deepEqual(
              [both.get(root.id)?.reply_count, both.get(other.id)?.reply_count],
              [13, 2],
            );
            assert.deepEqual(both.get(root.id)?.last_reply_at, at);
            // An older reply counted late does not move last_reply_at back.
            await s.messages.addReplies([{ parentId: root.id, n: 1, at: times[0]! }]);
            assert.deepEqual(
              (await s.messages.threads([root.id])).get(root.id)?.last_reply_at,
              at,
            );
          },
        );

        await t.step("messages.dropReply() counts one fewer, never below 0", async () => {
          const root = await postOne(hconv, { user: u1 });
          await s.messages.addReplies([{ parentId: root.id, n: 2, at: tick() }]);
          await s.messages.dropReply(root.id);
          assert.equal((await s.messages.threads([root.id])).get(root.id)?.reply_count, 1);
          await s.messages.dropReply(root.id);
          await s.messages.dropReply(root.id);
          assert.equal((await s.messages.threads([root.id])).get(root.id)?.reply_count, 0);
          const lonely = await postOne(hconv, { user: u1 });
          await s.messages.dropReply(lonely.id);
          assert.equal((await s.messages.threads([lonely.id])).has(lonely.id), false);
        });

        await t.step(
          "messages.threads() gives the counters of the roots that have replies",
          async () => {
            const a = await postOne(hconv, { user: u1 });
            const b = await postOne(hconv, { user: u1 });
            const at = tick();
            await s.messages.addReplies([{ parentId: a.id, n: 4, at }]);
            const got = await s.messages.threads([a.id, b.id]);
            assert.deepEqual([...got.keys()], [a.id]);
            assert.deepEqual(
              {
                reply_count: got.get(a.id)!.reply_count,
                last_reply_at: got.get(a.id)!.last_reply_at,
              },
              { reply_count: 4, last_reply_at: at },
            );
            assert.equal((await s.messages.threads([])).size, 0);
          },
        );

        // --- reactions ---------------------------------------------------------------------

        await t.step("reactions.add() is idempotent per user and emoji", async () => {
          const msg = await postOne(hconv, { user: u1 });
          const r = await s.reactions.add(msg.id, u1, "👍");
          assert.ok(r);
          assert.deepEqual([r.message_id, r.user_id, r.emoji], [msg.id, u1, "👍"]);
          assert.equal(await s.reactions.add(msg.id, u1, "👍"), undefined);
          assert.ok(await s.reactions.add(msg.id, u2, "👍"));
          assert.ok(await s.reactions.add(msg.id, u1, ":tada:"));
          const [n] = await sql.query<{ n: number }>(
            "select count(*)::int as n from reactions where message_id = $1",
            [msg.id],
          );
          assert.equal(n!.n, 3);
        });

        await t.step(
          "reactions.remove() returns false when there is nothing to remove",
          async () => {
            const msg = await postOne(hconv, { user: u1 });
            await s.reactions.add(msg.id, u1, "👍");
            await s.reactions.add(msg.id, u2, "👍");
            assert.equal(await s.reactions.remove(msg.id, u1, "👍"), true);
            assert.equal(await s.reactions.remove(msg.id, u1, "👍"), false);
            assert.equal(await s.reactions.remove(msg.id, u1, "🎉"), false);
            assert.deepEqual((await s.reactions.aggregate([msg.id])).get(msg.id), [
              { emoji: "👍", count: 1, user_ids: [u2] },
            ]);
          },
        );

        await t.step(
          "reactions.usage() tells how many distinct emoji a message has and whether this one is used",
          async () => {
            const msg = await postOne(hconv, { user: u1 });
            assert.deepEqual(await s.reactions.usage(msg.id, "👍"), { distinct: 0, has: false });
            await s.reactions.add(msg.id, u1, "👍");
            await s.reactions.add(msg.id, u2, "👍");
            await s.reactions.add(msg.id, u2, "🎉");
            assert.deepEqual(await s.reactions.usage(msg.id, "👍"), { distinct: 2, has: true });
            assert.deepEqual(await s.reactions.usage(msg.id, ":tada:"), {
              distinct: 2,
              has: false,
            });
          },
        );

        await t.step(
          "reactions.aggregate() gives {emoji, count, user_ids} per message in first-use order",
          async () => {
            const msg = await postOne(hconv, { user: u1 });
            const quiet = await postOne(hconv, { user: u1 });
            const other = await postOne(hconv, { user: u1 });
            const u3 = await user();
            // Neither alphabetical nor by code point: 👍 (U+1F44D) after 🎉 (U+1F389).
            for (const [who, emoji] of [[u2, "👍"], [u3, "🎉"], [u1, "👍"], [u1, ":zzz:"]]) {
              await s.reactions.add(msg.id, who!, emoji!);
              await sleep(3);
            }
            await s.reactions.add(other.id, u3, ":zzz:");
            const got = await s.reactions.aggregate([msg.id, quiet.id, other.id]);
            assert.deepEqual(got.get(msg.id), [
              { emoji: "👍", count: 2, user_ids: [u2, u1] },
              { emoji: "🎉", count: 1, user_ids: [u3] },
              { emoji: ":zzz:", count: 1, user_ids: [u1] },
            ]);
            assert.deepEqual(got.get(other.id), [{ emoji: ":zzz:", count: 1, user_ids: [u3] }]);
            assert.equal(got.has(quiet.id), false);
            assert.equal((await s.reactions.aggregate([])).size, 0);
          },
        );

        // --- read markers ------------------------------------------------------------------

        await t.step(
          "reads.advance() moves the marker forward only; undefined when it did not move or not a member",
          async () => {
            const w = await workspace(u1);
            const c = await channel(w.id, u1);
            await s.channels.addMember(c.id, u1, "owner");
            const conv = ref(c);
            const msgs = await post(conv, { user: u2 }, { user: u2 }, { user: u2 });
            assert.equal(await s.reads.advance(conv, u1, msgs[2]!.seq), 4);
            assert.equal(await s.reads.advance(conv, u1, 3), undefined);
            assert.equal(await s.reads.advance(conv, u1, 4), undefined);
            assert.equal((await s.channels.member(c.id, u1))!.last_read_seq, 4);
            assert.equal(await s.reads.advance(conv, u2, 4), undefined);
            const dm = (await s.dms.open(w.id, [u1, u2])).dm;
            assert.equal(await s.reads.advance(dmRef(dm), u2, 1), 1);
            assert.equal(await s.reads.advance(dmRef(dm), u2, 0), undefined);
          },
        );

        await t.step(
          "reads.counts() gives a member's marker and unread counts; undefined for non-members",
          async () => {
            const u3 = await user();
            const w = await workspace(u1);
            const c = await channel(w.id, u1);
            await s.channels.addMember(c.id, u1, "owner");
            const conv = ref(c);
            const [a, , last] = await post(
              conv,
              { user: u2 },
              { user: u2, mentions: [u1] },
              { user: u2, mentions: [u1] },
            );
            await s.reads.advance(conv, u1, a!.seq);
            assert.deepEqual(countsOf((await s.reads.counts(conv, u1))!), {
              last_read_seq: a!.seq,
              last_read_message_id: a!.id,
              unread_count: 2,
              mention_count: 2,
              last_message_at: last!.created_at,
            });
            assert.equal(await s.reads.counts(conv, u2), undefined);
            const dm = (await s.dms.open(w.id, [u1, u3])).dm;
            const [d1] = await post(dmRef(dm), { user: u3 }, { user: u1 });
            assert.deepEqual(countsOf((await s.reads.counts(dmRef(dm), u1))!), {
              last_read_seq: 0,
              last_read_message_id: null,
              unread_count: 1,
              mention_count: 0,
              last_message_at: (await s.messages.history(dmRef(dm), { limit: 1 })).rows[0]!
                .created_at,
            });
            await s.reads.advance(dmRef(dm), u1, d1!.seq);
            assert.equal((await s.reads.counts(dmRef(dm), u1))!.last_read_message_id, d1!.id);
            assert.equal(await s.reads.counts(dmRef(dm), u2), undefined);
          },
        );

        // --- idempotency keys --------------------------------------------------------------

        const DAY = 86_400_000;
        const claimAndComplete = (userId: string, key: string, hash: string, now: Date) =>
          sql.transaction(async (tx) => {
            const st = sqlStores(tx).idempotency;
            const r = await st.claim(userId, key, hash, now, new Date(now.getTime() - DAY));
            if (r === "claimed") {
              await st.complete(userId, key, {
                message_id: crypto.randomUUID(),
                status_code: 201,
                response: { hash },
              });
            }
            return r;
          });

        await t.step(
          "idempotency.claim() claims a new key, then gives back the completed response",
          async () => {
            const now = new Date();
            const messageId = crypto.randomUUID();
            const first = await sql.transaction(async (tx) => {
              const st = sqlStores(tx).idempotency;
              const r = await st.claim(u1, "send-1", "hash-1", now, new Date(now.getTime() - DAY));
              await st.complete(u1, "send-1", {
                message_id: messageId,
                status_code: 201,
                response: { id: messageId, content: "hi", n: [1, 2] },
              });
              return r;
            });
            assert.equal(first, "claimed");
            const replay = await s.idempotency.claim(
              u1,
              "send-1",
              "hash-other",
              new Date(now.getTime() + 1000),
              new Date(now.getTime() + 1000 - DAY),
            );
            assert.deepEqual(replay, {
              request_hash: "hash-1",
              status_code: 201,
              response: { id: messageId, content: "hi", n: [1, 2] },
              message_id: messageId,
            });
            // Keys are per user.
            assert.equal(await claimAndComplete(u2, "send-1", "hash-2", now), "claimed");
          },
        );

        await t.step(
          "idempotency.claim() claims again a key created before expiredBefore",
          async () => {
            const created = new Date(Date.now() - 2 * DAY);
            assert.equal(await claimAndComplete(u1, "send-old", "hash-old", created), "claimed");
            const now = new Date();
            assert.equal(
              await s.idempotency.claim(
                u1,
                "send-old",
                "hash-new",
                now,
                new Date(now.getTime() - DAY),
              ),
              "claimed",
            );
            // The new claim replaced the old row: nothing of the old response is left.
            assert.deepEqual(
              await s.idempotency.claim(
                u1,
                "send-old",
                "hash-x",
                now,
                new Date(now.getTime() - DAY),
              ),
              { request_hash: "hash-new", status_code: 0, response: null, message_id: null },
            );
          },
        );

        await t.step("idempotency.release() gives the key up for a retry", async () => {
          const now = new Date();
          const expired = new Date(now.getTime() - DAY);
          await sql.transaction(async (tx) => {
            const st = sqlStores(tx).idempotency;
            assert.equal(await st.claim(u1, "send-fail", "h", now, expired), "claimed");
            await st.release(u1, "send-fail");
          });
          const [n] = await sql.query<{ n: number }>(
            "select count(*)::int as n from idempotency_keys where user_id = $1 and key = $2",
            [u1, "send-fail"],
          );
          assert.equal(n!.n, 0);
          assert.equal(await claimAndComplete(u1, "send-fail", "h", now), "claimed");
        });

        await t.step(
          "idempotency.prune() deletes the keys created before the cutoff and counts them",
          async () => {
            const day = (d: number) => new Date(Date.UTC(2001, 0, d));
            for (const d of [1, 2, 3]) {
              await claimAndComplete(u1, `prune-${d}`, "h", day(d));
            }
            assert.equal(await s.idempotency.prune(day(2)), 1);
            assert.equal(await s.idempotency.prune(day(2)), 0);
            assert.equal(await s.idempotency.prune(new Date(day(3).getTime() + 1)), 2);
            const left = await sql.query<{ key: string }>(
              "select key from idempotency_keys where key like 'prune-%'",
            );
            assert.deepEqual(left, []);
            assert.ok(
              (await sql.query("select 1 from idempotency_keys where key = 'send-1'")).length > 0,
              "newer keys are kept",
            );
          },
        );

        await t.step(
          "a concurrent claim of the same key waits for the first transaction to commit, then gets its response",
          async () => {
            const now = new Date();
            const expired = new Date(now.getTime() - DAY);
            const messageId = crypto.randomUUID();
            const r = await whileOpen(
              sql,
              {
                start: (tx) => sqlStores(tx).idempotency.claim(u1, "race-1", "h1", now, expired),
                finish: (tx) =>
                  sqlStores(tx).idempotency.complete(u1, "race-1", {
                    message_id: messageId,
                    status_code: 201,
                    response: { id: messageId },
                  }),
              },
              (tx) => sqlStores(tx).idempotency.claim(u1, "race-1", "h2", now, expired),
            );
            assert.equal(r.secondFinishedEarly, false, "the second claim did not wait");
            assert.deepEqual(r.first, { status: "fulfilled", value: "claimed" });
            assert.deepEqual(r.second, {
              request_hash: "h1",
              status_code: 201,
              response: { id: messageId },
              message_id: messageId,
            });
          },
        );

        await t.step(
          "a concurrent claim of the same key goes ahead when the first transaction rolls back",
          async () => {
            const now = new Date();
            const expired = new Date(now.getTime() - DAY);
            const r = await whileOpen(
              sql,
              {
                start: (tx) => sqlStores(tx).idempotency.claim(u1, "race-2", "h1", now, expired),
                finish: () => Promise.reject(new Error("the send failed")),
              },
              (tx) => sqlStores(tx).idempotency.claim(u1, "race-2", "h2", now, expired),
            );
            assert.equal(r.secondFinishedEarly, false, "the second claim did not wait");
            assert.equal(r.first.status, "rejected");
            assert.equal(r.second, "claimed");
            const [row] = await sql.query<{ request_hash: string }>(
              "select request_hash from idempotency_keys where user_id = $1 and key = $2",
              [u1, "race-2"],
            );
            assert.equal(row?.request_hash, "h2");
          },
        );

        // --- moderation, reports, audit ------------------------------------------------------

        await t.step(
          "moderation.activeMute() covers a channel, its workspace or everywhere, until expiry or revocation",
          async () => {
            const [mod, target] = [await user(), await user()];
            const w = await workspace(mod);
            const [c1, c2] = [await channel(w.id, mod), await channel(w.id, mod)];
            const other = await workspace(mod);
            const now = tick();
            const later = new Date(now.getTime() + 60_000);
            const mute = (o: { channel_id?: string; workspace_id?: string; expires_at?: Date }) =>
              s.moderation.insert({
                id: crypto.randomUUID(),
                action_type: "mute",
                target_user_id: target,
                actor_id: mod,
                channel_id: o.channel_id ?? null,
                workspace_id: o.workspace_id ?? null,
                reason: "spam",
                created_at: now,
                expires_at: o.expires_at ?? null,
              });
            const place = (c: { id: string } | null, ws: string) => ({
              channelId: c?.id ?? null,
              workspaceId: ws,
            });
            const inChannel = await mute({ channel_id: c1.id, expires_at: later });
            assert.equal(
              (await s.moderation.activeMute(target, place(c1, w.id), now))?.id,
              inChannel.id,
            );
            assert.equal(await s.moderation.activeMute(target, place(c2, w.id), now), undefined);
            assert.equal(
              await s.moderation.activeMute(target, place(c1, w.id), new Date(later.getTime() + 1)),
              undefined,
              "expired",
            );
            const inWorkspace = await mute({ workspace_id: w.id });
            assert.equal(
              (await s.moderation.activeMute(target, place(c2, w.id), now))?.id,
              inWorkspace.id,
            );
            assert.equal(
              await s.moderation.activeMute(target, place(null, other.id), now),
              undefined,
            );
            assert.ok(await s.moderation.revoke(inWorkspace.id, mod, now));
            assert.equal(await s.moderation.revoke(inWorkspace.id, mod, now), undefined, "once");
            assert.equal(await s.moderation.activeMute(target, place(c2, w.id), now), undefined);
            const everywhere = await mute({});
            assert.equal(
              (await s.moderation.activeMute(target, place(null, other.id), now))?.id,
              everywhere.id,
            );
            const active = await s.moderation.list({
              targetUserId: target,
              active: true,
              now,
              limit: 10,
            });
            assert.deepEqual(active.map((a) => a.id).sort(), [inChannel.id, everywhere.id].sort());
            const all = await s.moderation.list({ targetUserId: target, now, limit: 2 });
            const rest = await s.moderation.list({
              targetUserId: target,
              now,
              limit: 10,
              before: all.at(-1)!,
            });
            assert.equal(all.length + rest.length, 3, "keyset pages cover everything once");
          },
        );

        await t.step(
          "moderation.expiredBans() finds bans whose time is up until lifted; otherActiveBan() sees the others",
          async () => {
            const [mod, target] = [await user(), await user()];
            const now = tick();
            const ban = (expires_at: Date | null) =>
              s.moderation.insert({
                id: crypto.randomUUID(),
                action_type: "ban",
                target_user_id: target,
                actor_id: mod,
                channel_id: null,
                workspace_id: null,
                reason: "abuse",
                created_at: now,
                expires_at,
              });
            const short = await ban(new Date(now.getTime() + 1_000));
            const forever = await ban(null);
            const later = new Date(now.getTime() + 5_000);
            const due = (await s.moderation.expiredBans(later, 100)).map((b) => b.id);
            assert.ok(due.includes(short.id) && !due.includes(forever.id));
            assert.equal(await s.moderation.otherActiveBan(target, short.id, later), true);
            await s.moderation.markLifted(short.id, later);
            assert.ok(!(await s.moderation.expiredBans(later, 100)).some((b) => b.id === short.id));
            await s.moderation.revoke(forever.id, mod, later);
            assert.equal(await s.moderation.otherActiveBan(target, short.id, later), false);
          },
        );

        await t.step(
          "reports.create() is one per reporter and message; close() only closes an open one; list() is a queue",
          async () => {
            const [author, r1, r2, mod] = [await user(), await user(), await user(), await user()];
            const w = await workspace(author);
            const c = await channel(w.id, author);
            const m = await postOne(ref(c), { user: author });
            const first = await s.reports.create({
              message_id: m.id,
              reporter_id: r1,
              reason: "rude",
              at: tick(),
            });
            assert.equal(first.created, true);
            const again = await s.reports.create({
              message_id: m.id,
              reporter_id: r1,
              reason: "x",
              at: tick(),
            });
            assert.deepEqual([again.created, again.report.id, again.report.reason], [
              false,
              first.report.id,
              "rude",
            ]);
            const second = await s.reports.create({
              message_id: m.id,
              reporter_id: r2,
              reason: "spam",
              at: tick(),
            });
            const open = await s.reports.list({ status: "open", limit: 100 });
            const ours = open.filter((r) => r.message_id === m.id).map((r) => r.id);
            assert.deepEqual(ours, [first.report.id, second.report.id], "oldest first");
            const closed = await s.reports.close(
              first.report.id,
              "resolved",
              mod,
              "removed",
              tick(),
            );
            assert.equal(closed?.status, "resolved");
            assert.equal(closed?.resolved_by, mod);
            assert.equal(
              await s.reports.close(first.report.id, "dismissed", mod, null, tick()),
              undefined,
            );
            const after = await s.reports.list({
              status: "open",
              limit: 100,
              after: { created_at: first.report.created_at, id: first.report.id },
            });
            assert.ok(after.some((r) => r.id === second.report.id));
            assert.ok(!after.some((r) => r.id === first.report.id));
          },
        );

        await t.step(
          "audit_log is append-only: UPDATE, DELETE and TRUNCATE fail for the services' role; list() filters and pages",
          async () => {
            const actor = await user();
            const a = await s.audit.append({
              user_id: actor,
              action: "moderation.warn",
              resource_type: "user",
              resource_id: "u-1",
              metadata: { reason: "be nice" },
            });
            await s.audit.append({
              user_id: actor,
              action: "channel.archive",
              resource_type: "channel",
              resource_id: "c-1",
              metadata: {},
            });
            for (
              const statement of [
                "update audit_log set action = 'nothing happened' where id = $1",
                "delete from audit_log where id = $1",
              ]
            ) {
              await assert.rejects(sql.query(statement, [a.id]), /append-only/, statement);
            }
            await assert.rejects(sql.query("truncate audit_log"), /append-only/);
            const [kept] = await sql.query<{ action: string }>(
              "select action from audit_log where id = $1",
              [a.id],
            );
            assert.equal(kept?.action, "moderation.warn");
            const mine = await s.audit.list({ actorId: actor, limit: 10 });
            assert.deepEqual(mine.map((e) => e.action), ["channel.archive", "moderation.warn"]);
            assert.deepEqual(
              (await s.audit.list({ actorId: actor, action: "moderation.warn", limit: 10 })).map((
                e,
              ) => e.id),
              [a.id],
            );
            assert.deepEqual(
              (await s.audit.list({ actorId: actor, resourceType: "channel", limit: 10 })).length,
              1,
            );
            const page2 = await s.audit.list({ actorId: actor, limit: 10, before: mine[0]! });
            assert.deepEqual(page2.map((e) => e.id), [a.id]);
            const from = await s.audit.from(undefined, 100_000);
            assert.ok(from.some((e) => e.id === a.id));
          },
        );

        await t.step(
          "messages.setThreadLock() stamps and clears thread_locked_at",
          async () => {
            const u = await user();
            const w = await workspace(u);
            const c = await channel(w.id, u);
            const m = await postOne(ref(c), { user: u });
            const at = tick();
            assert.deepEqual((await s.messages.setThreadLock(m.id, at))?.thread_locked_at, at);
            assert.equal((await s.messages.get(m.id))?.thread_locked_at?.getTime(), at.getTime());
            assert.equal((await s.messages.setThreadLock(m.id, null))?.thread_locked_at, null);
          },
        );

        await t.step(
          "workspaces.lockOwners() counts live owners; setRole() and removeMember() change one membership",
          async () => {
            const [owner, other] = [await user(), await user()];
            const w = await workspace(owner);
            await s.workspaces.addMember(w.id, owner, "owner");
            await s.workspaces.addMember(w.id, other, "member");
            assert.equal(await s.workspaces.lockOwners(w.id), 1);
            assert.equal((await s.workspaces.setRole(w.id, other, "owner"))?.role, "owner");
            assert.equal(await s.workspaces.lockOwners(w.id), 2);
            assert.equal(await s.workspaces.setRole(w.id, crypto.randomUUID(), "admin"), undefined);
            assert.equal(await s.workspaces.removeMember(w.id, other), true);
            assert.equal(await s.workspaces.removeMember(w.id, other), false);
            assert.equal(await s.workspaces.lockOwners(w.id), 1);
          },
        );

        // --- conversation directory ----------------------------------------------------------

        await t.step(
          "directory.get() caches a channel's metadata: a rename is not seen until forget()",
          async () => {
            const dir = conversationDirectory(sql, kv);
            const w = await workspace(u1);
            const c = await channel(w.id, u1, { name: "before", is_private: true });
            assert.deepEqual(await dir.get(ref(c)), {
              kind: "channel",
              id: c.id,
              workspace_id: w.id,
              is_private: true,
              archived: false,
              name: "before",
              participant_ids: [],
            });
            await sql.query("update channels set name = 'after' where id = $1", [c.id]);
            assert.equal((await dir.get(ref(c)))?.name, "before");
            await dir.forget(ref(c));
            assert.equal((await dir.get(ref(c)))?.name, "after");
            await s.channels.archive(c.id, tick());
            assert.equal((await dir.get(ref(c)))?.archived, false);
            await dir.forget(ref(c));
            assert.equal((await dir.get(ref(c)))?.archived, true);
          },
        );

        await t.step("directory.get() does not cache misses", async () => {
          const dir = conversationDirectory(sql, kv);
          const w = await workspace(u1);
          const id = crypto.randomUUID();
          assert.equal(await dir.get({ kind: "channel", id }), undefined);
          await sql.query(
            "insert into channels (id, workspace_id, name, created_by) values ($1, $2, $3, $4)",
            [id, w.id, `late-${run}`, u1],
          );
          assert.equal((await dir.get({ kind: "channel", id }))?.name, `late-${run}`);
          assert.equal(await dir.get({ kind: "dm", id: crypto.randomUUID() }), undefined);
        });

        await t.step(
          "directory.get() gives a DM's participants; a DM is private and never archived",
          async () => {
            const dir = conversationDirectory(sql, kv);
            const w = await workspace(u1);
            const dm = (await s.dms.open(w.id, [u2, u1])).dm;
            assert.deepEqual(await dir.get(dmRef(dm)), {
              kind: "dm",
              id: dm.id,
              workspace_id: w.id,
              is_private: true,
              archived: false,
              name: "",
              participant_ids: [u1, u2].sort(),
            });
          },
        );
      } finally {
        await kv.close();
        await fx.dispose();
      }
    },
  });
}
