import assert from "node:assert/strict";
import { type EventEnvelope, type Message, parseEvent } from "@colink/contracts";
import type { Subscription } from "@colink/platform";
import { eventually, uniqueSuffix } from "@colink/testing";
import { chatClient, type ChatTarget, type Person, type Reply } from "./chat_client.ts";

/** Fails with the reply's body, so a wrong status says why. */
function expectStatus(r: Reply, status: number, what = ""): void {
  assert.equal(r.status, status, `${what} → ${r.status} ${JSON.stringify(r.body)}`);
}
function expectError(r: Reply, status: number, code: string, what = ""): void {
  expectStatus(r, status, what);
  assert.equal((r.body as { error: { code: string } }).error.code, code, what);
}

const CONVERSATION_TOPICS = [
  "message.created",
  "message.updated",
  "message.deleted",
  "reaction.added",
  "reaction.removed",
  "channel.created",
  "channel.updated",
  "channel.archived",
  "channel.member_joined",
  "channel.member_left",
  "dm.created",
];

interface Seen {
  ev: EventEnvelope;
  topic: string;
}

/**
 * Conversations as shared/API.md promises them, end to end through the gateway: workspaces,
 * channels, DMs, messages, threads, reactions, mentions, read state and their events. The same
 * suite runs on the embedded adapters and on real PostgreSQL, Redis and Kafka.
 */
export function conversationsSuite(mode: string, makeTarget: () => Promise<ChatTarget>): void {
  Deno.test({
    name: `conversations [${mode}]`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const target = await makeTarget();
      const seen: Seen[] = [];
      /** Events that did not parse against their schema (from any test sharing the bus). */
      const invalid: string[] = [];
      let sub: Subscription | undefined;
      try {
        sub = await target.bus.subscribe(
          {
            group: `conversations-suite-${uniqueSuffix()}`,
            topics: [...CONVERSATION_TOPICS, "read.updated"],
            // Joined before the first action: everything this run emits arrives.
            fromBeginning: false,
          },
          (m) => {
            try {
              seen.push({ ev: parseEvent(JSON.parse(m.value)), topic: m.topic });
            } catch (e) {
              invalid.push(`${m.topic}: ${e}`);
            }
            return Promise.resolve();
          },
        );
        const c = await chatClient(target);
        const { call, ids } = c;
        const suffix = uniqueSuffix().toLowerCase().replace(/[^a-z0-9]/g, "").slice(-10);
        const slug = `acme-${suffix}`;
        let wid = "";
        let general = "";
        let eng = "";
        let secret = "";
        const ourWorkspaces = new Set<string>();
        const send = (as: Person, cid: string, content: string, headers?: Record<string, string>) =>
          call<Message>(as, "POST", `/api/v1/channels/${cid}/messages`, { content }, headers);
        const channelOf = async (as: Person, id: string) =>
          (await call<{ channels: { id: string; unread_count: number; mention_count: number }[] }>(
            as,
            "GET",
            `/api/v1/workspaces/${wid}/channels`,
          )).body.channels.find((ch) => ch.id === id);

        await t.step(
          "POST /workspaces: the caller owns it, with a default general; a taken slug is 409",
          async () => {
            const r = await call<{ id: string; role: string; slug: string }>(
              "alice",
              "POST",
              "/api/v1/workspaces",
              {
                name: "Acme",
                slug,
              },
            );
            expectStatus(r, 201);
            assert.equal(r.body.role, "owner");
            wid = r.body.id;
            ourWorkspaces.add(wid);
            expectError(
              await call("bob", "POST", "/api/v1/workspaces", { name: "Other", slug }),
              409,
              "workspace_slug_taken",
            );
            const list = await call<
              { channels: { id: string; name: string; is_default: boolean; role: string }[] }
            >(
              "alice",
              "GET",
              `/api/v1/workspaces/${wid}/channels`,
            );
            expectStatus(list, 200);
            assert.deepEqual(list.body.channels.map((ch) => [ch.name, ch.is_default, ch.role]), [[
              "general",
              true,
              "owner",
            ]]);
            general = list.body.channels[0]!.id;
            const mine = await call<{ workspaces: { id: string }[] }>(
              "alice",
              "GET",
              "/api/v1/workspaces",
            );
            assert.ok(mine.body.workspaces.some((w) => w.id === wid));
            const g = await call<{ id: string }>("grace", "POST", "/api/v1/workspaces", {
              name: "Elsewhere",
              slug: `else-${suffix}`,
            });
            expectStatus(g, 201);
            ourWorkspaces.add(g.body.id);
          },
        );

        await t.step(
          "workspace members: owners and admins add people; non-guests join general; others 403/404",
          async () => {
            for (
              const [who, role] of [["bob", "member"], ["carol", "member"], ["frank", "member"], [
                "heidi",
                "admin",
              ], ["erin", "guest"]] as const
            ) {
              const r = await call<{ user_id: string; role: string }>(
                "alice",
                "POST",
                `/api/v1/workspaces/${wid}/members`,
                {
                  user_id: ids[who],
                  role,
                },
              );
              expectStatus(r, 201, `add ${who}`);
              assert.equal(r.body.role, role);
            }
            expectError(
              await call("bob", "POST", `/api/v1/workspaces/${wid}/members`, { user_id: ids.mia }),
              403,
              "forbidden",
              "a plain member cannot add people",
            );
            expectError(
              await call("heidi", "POST", `/api/v1/workspaces/${wid}/members`, {
                user_id: ids.mia,
                role: "owner",
              }),
              403,
              "forbidden",
              "an admin cannot make owners",
            );
            expectError(
              await call("alice", "POST", `/api/v1/workspaces/${wid}/members`, {
                user_id: ids.bob,
              }),
              409,
              "already_member",
            );
            expectError(
              await call("alice", "POST", `/api/v1/workspaces/${wid}/members`, {
                user_id: crypto.randomUUID(),
              }),
              404,
              "user_not_found",
            );
            expectError(
              await call("grace", "GET", `/api/v1/workspaces/${wid}/members`),
              404,
              "workspace_not_found",
            );
            expectError(
              await call("grace", "GET", `/api/v1/workspaces/${wid}`),
              404,
              "workspace_not_found",
            );
            const members = await call<{ members: { user_id: string; role: string }[] }>(
              "bob",
              "GET",
              `/api/v1/workspaces/${wid}/members`,
            );
            assert.equal(members.body.members.length, 6);
            const gm = await call<{ members: { user_id: string }[] }>(
              "alice",
              "GET",
              `/api/v1/channels/${general}/members`,
            );
            assert.deepEqual(
              gm.body.members.map((m) => m.user_id).sort(),
              [ids.alice, ids.bob, ids.carol, ids.frank, ids.heidi].sort(),
              "everyone but the guest joined general",
            );
            const guestView = await call<{ members: { user_id: string }[] }>(
              "erin",
              "GET",
              `/api/v1/workspaces/${wid}/members`,
            );
            assert.deepEqual(
              guestView.body.members.map((m) => m.user_id),
              [ids.erin],
              "a guest sees only people they share a conversation with",
            );
          },
        );

        await t.step("the user directory shows only people who share a workspace", async () => {
          expectStatus(await call("bob", "GET", `/api/v1/users/${ids.alice}`), 200);
          expectError(
            await call("grace", "GET", `/api/v1/users/${ids.alice}`),
            404,
            "user_not_found",
          );
          const found = await call<{ users: { username: string }[] }>(
            "grace",
            "GET",
            "/api/v1/users?q=alice",
          );
          assert.deepEqual(found.body.users, []);
          expectError(await call("erin", "GET", `/api/v1/users/${ids.bob}`), 404, "user_not_found");
        });

        await t.step(
          "channels: names are unique per workspace (409) and normalized; private ones are invisible to outsiders",
          async () => {
            const e = await call<{ id: string; name: string; role: string }>(
              "alice",
              "POST",
              `/api/v1/workspaces/${wid}/channels`,
              {
                name: "Eng Team",
                description: "Engineering",
              },
            );
            expectStatus(e, 201);
            assert.deepEqual([e.body.name, e.body.role], ["eng-team", "owner"]);
            eng = e.body.id;
            expectError(
              await call("bob", "POST", `/api/v1/workspaces/${wid}/channels`, { name: "ENG-team" }),
              409,
              "channel_name_taken",
            );
            expectStatus(
              await call("grace", "POST", `/api/v1/workspaces/${[...ourWorkspaces][1]}/channels`, {
                name: "eng-team",
              }),
              201,
              "the same name in another workspace is fine",
            );
            const s = await call<{ id: string; is_private: boolean }>(
              "alice",
              "POST",
              `/api/v1/workspaces/${wid}/channels`,
              {
                name: "secret",
                is_private: true,
              },
            );
            expectStatus(s, 201);
            secret = s.body.id;
            expectStatus(
              await call("alice", "POST", `/api/v1/channels/${secret}/members`, {
                user_id: ids.bob,
              }),
              201,
            );
            expectStatus(
              await call("alice", "POST", `/api/v1/channels/${eng}/members`, {
                user_id: ids.frank,
                role: "admin",
              }),
              201,
            );
            const carolsList = await call<{ channels: { id: string; role: string | null }[] }>(
              "carol",
              "GET",
              `/api/v1/workspaces/${wid}/channels`,
            );
            assert.deepEqual(
              carolsList.body.channels.map((ch) => [ch.id, ch.role]).sort(),
              [[general, "member"], [eng, null]].sort(),
              "public channels are listed to browse; the private one is not",
            );
            for (
              const [who, path] of [
                ["carol", `/api/v1/channels/${secret}`],
                ["carol", `/api/v1/channels/${secret}/members`],
                ["carol", `/api/v1/channels/${secret}/messages`],
                ["grace", `/api/v1/channels/${eng}`],
                ["mia", `/api/v1/channels/${secret}`],
                ["admin", `/api/v1/channels/${secret}`],
              ] as const
            ) {
              expectError(
                await call(who, "GET", path),
                404,
                "channel_not_found",
                `${who} GET ${path}`,
              );
            }
            expectError(
              await call("carol", "POST", `/api/v1/channels/${secret}/join`),
              404,
              "channel_not_found",
            );
            const erinsList = await call<{ channels: unknown[] }>(
              "erin",
              "GET",
              `/api/v1/workspaces/${wid}/channels`,
            );
            assert.deepEqual(
              erinsList.body.channels,
              [],
              "a guest sees only the channels they were added to",
            );
            expectError(
              await call("erin", "POST", `/api/v1/workspaces/${wid}/channels`, { name: "x" }),
              403,
              "forbidden",
            );
          },
        );

        await t.step(
          "join and leave public channels; the default channel cannot be left",
          async () => {
            const j = await call<{ role: string }>("carol", "POST", `/api/v1/channels/${eng}/join`);
            expectStatus(j, 200);
            assert.equal(j.body.role, "member");
            expectStatus(
              await call("carol", "POST", `/api/v1/channels/${eng}/join`),
              200,
              "joining twice is fine",
            );
            expectStatus(await call("carol", "POST", `/api/v1/channels/${eng}/leave`), 204);
            expectError(
              await call("carol", "POST", `/api/v1/channels/${eng}/leave`),
              409,
              "not_a_member",
            );
            expectError(
              await call("carol", "POST", `/api/v1/channels/${general}/leave`),
              403,
              "cannot_leave_default_channel",
            );
            expectError(
              await call("erin", "POST", `/api/v1/channels/${eng}/join`),
              404,
              "channel_not_found",
              "guests are invited, they do not browse or join",
            );
            expectStatus(await call("bob", "POST", `/api/v1/channels/${eng}/join`), 200);
          },
        );

        await t.step(
          "channel members: members invite, roles need the channel's owners or admins, removal is immediate",
          async () => {
            expectError(
              await call("bob", "POST", `/api/v1/channels/${secret}/members`, {
                user_id: ids.carol,
                role: "admin",
              }),
              403,
              "forbidden",
            );
            expectStatus(
              await call("bob", "POST", `/api/v1/channels/${secret}/members`, {
                user_id: ids.carol,
              }),
              201,
            );
            expectError(
              await call("bob", "POST", `/api/v1/channels/${secret}/members`, {
                user_id: ids.carol,
              }),
              409,
              "already_member",
            );
            expectError(
              await call("bob", "POST", `/api/v1/channels/${secret}/members`, {
                user_id: ids.grace,
              }),
              404,
              "user_not_found",
              "people from outside the workspace cannot be added",
            );
            expectStatus(await call("carol", "GET", `/api/v1/channels/${secret}/messages`), 200);
            expectError(
              await call("bob", "DELETE", `/api/v1/channels/${secret}/members/${ids.carol}`),
              403,
              "forbidden",
            );
            expectStatus(
              await call("alice", "DELETE", `/api/v1/channels/${secret}/members/${ids.carol}`),
              204,
            );
            expectError(
              await call("carol", "GET", `/api/v1/channels/${secret}/messages`),
              404,
              "channel_not_found",
              "removed: gone at once",
            );
            expectError(
              await call("alice", "DELETE", `/api/v1/channels/${secret}/members/${ids.carol}`),
              404,
              "member_not_found",
            );
            expectStatus(
              await call("frank", "POST", `/api/v1/channels/${eng}/members`, { user_id: ids.erin }),
              201,
              "a channel admin adds the guest",
            );
            const erinsList = await call<{ channels: { id: string }[] }>(
              "erin",
              "GET",
              `/api/v1/workspaces/${wid}/channels`,
            );
            assert.deepEqual(erinsList.body.channels.map((ch) => ch.id), [eng]);
          },
        );

        await t.step(
          "archive: read-only afterwards (403 channel_archived), still listed; general cannot be archived",
          async () => {
            const old = await call<{ id: string }>(
              "alice",
              "POST",
              `/api/v1/workspaces/${wid}/channels`,
              { name: "old" },
            );
            const oid = old.body.id;
            expectStatus(await send("alice", oid, "last words"), 201);
            expectError(
              await call("bob", "POST", `/api/v1/channels/${oid}/archive`),
              403,
              "forbidden",
              "bob is not a member",
            );
            const a = await call<{ archived_at: string | null }>(
              "alice",
              "POST",
              `/api/v1/channels/${oid}/archive`,
            );
            expectStatus(a, 200);
            assert.ok(a.body.archived_at);
            expectStatus(
              await call("alice", "POST", `/api/v1/channels/${oid}/archive`),
              200,
              "archiving twice",
            );
            expectError(
              await send("alice", oid, "more"),
              403,
              "channel_archived",
              "sends right after archiving",
            );
            expectError(
              await call("alice", "PATCH", `/api/v1/channels/${oid}`, { description: "x" }),
              403,
              "channel_archived",
            );
            expectStatus(
              await call("alice", "GET", `/api/v1/channels/${oid}/messages`),
              200,
              "still readable",
            );
            const listed = await channelOf("alice", oid);
            assert.ok(listed, "archived channels stay listed (with archived_at)");
            expectError(
              await call("alice", "POST", `/api/v1/channels/${general}/archive`),
              403,
              "cannot_archive_default_channel",
            );
          },
        );

        await t.step(
          "PATCH /channels: owners and admins rename; the cached metadata is invalidated at once",
          async () => {
            expectStatus(
              await call("bob", "GET", `/api/v1/channels/${eng}/messages`),
              200,
              "warms the cache",
            );
            expectError(
              await call("carol", "PATCH", `/api/v1/channels/${eng}`, { name: "x" }),
              403,
              "forbidden",
            );
            const r = await call<{ name: string; description: string }>(
              "frank",
              "PATCH",
              `/api/v1/channels/${eng}`,
              {
                name: "engineering",
                description: "Builds things",
              },
            );
            expectStatus(r, 200);
            assert.deepEqual([r.body.name, r.body.description], ["engineering", "Builds things"]);
            const again = await call<{ name: string }>("bob", "GET", `/api/v1/channels/${eng}`);
            assert.equal(again.body.name, "engineering");
            expectError(
              await call("alice", "PATCH", `/api/v1/channels/${eng}`, { name: "general" }),
              409,
              "channel_name_taken",
            );
          },
        );

        let dm = "";
        await t.step(
          "DMs: the same people get the same DM whoever opens it, also at the same moment",
          async () => {
            const a = await call<{ id: string; participant_ids: string[] }>(
              "alice",
              "POST",
              `/api/v1/workspaces/${wid}/dms`,
              { user_ids: [ids.bob] },
            );
            expectStatus(a, 201);
            dm = a.body.id;
            assert.deepEqual(a.body.participant_ids, [ids.alice, ids.bob].sort());
            const b = await call<{ id: string }>("bob", "POST", `/api/v1/workspaces/${wid}/dms`, {
              user_ids: [ids.alice, ids.bob],
            });
            expectStatus(b, 200);
            assert.equal(b.body.id, dm);
            const group = [ids.carol, ids.frank];
            const racers: Person[] = [
              "alice",
              "carol",
              "frank",
              "alice",
              "carol",
              "frank",
              "alice",
              "carol",
            ];
            const opened = await Promise.all(
              racers.map((who) =>
                call<{ id: string }>(who, "POST", `/api/v1/workspaces/${wid}/dms`, {
                  user_ids: [ids.alice, ...group].filter((id) => id !== ids[who]),
                })
              ),
            );
            assert.equal(new Set(opened.map((o) => o.body.id)).size, 1, "one DM for the group");
            assert.equal(
              opened.filter((o) => o.status === 201).length,
              1,
              "exactly one created it",
            );
            const [row] = await target.sql.query<{ n: number }>(
              "select count(*)::int as n from direct_messages where workspace_id = $1",
              [wid],
            );
            assert.equal(row!.n, 2, "one row per set of people");
            expectError(
              await call("grace", "POST", `/api/v1/workspaces/${wid}/dms`, {
                user_ids: [ids.alice],
              }),
              404,
              "workspace_not_found",
            );
            expectError(
              await call("bob", "POST", `/api/v1/workspaces/${wid}/dms`, { user_ids: [ids.grace] }),
              404,
              "user_not_found",
            );
            expectError(
              await call("erin", "POST", `/api/v1/workspaces/${wid}/dms`, {
                user_ids: [ids.carol],
              }),
              404,
              "user_not_found",
              "a guest writes only to people they share a channel with",
            );
            expectStatus(
              await call("erin", "POST", `/api/v1/workspaces/${wid}/dms`, {
                user_ids: [ids.frank],
              }),
              201,
            );
            for (const who of ["carol", "grace", "mia"] as const) {
              expectError(await call(who, "GET", `/api/v1/dms/${dm}`), 404, "dm_not_found", who);
              expectError(
                await call(who, "GET", `/api/v1/dms/${dm}/messages`),
                404,
                "dm_not_found",
                who,
              );
              expectError(
                await call(who, "POST", `/api/v1/dms/${dm}/messages`, { content: "hi" }),
                404,
                "dm_not_found",
                who,
              );
            }
          },
        );

        await t.step(
          "DM messages work like channel messages and the DM list counts what is unread",
          async () => {
            for (const text of ["hi alice", "are you there @alice?"]) {
              expectStatus(
                await call("bob", "POST", `/api/v1/dms/${dm}/messages`, { content: text }),
                201,
              );
            }
            const list = await call<
              {
                dms: {
                  id: string;
                  unread_count: number;
                  mention_count: number;
                  participant_ids: string[];
                  last_message_at: string;
                }[];
              }
            >(
              "alice",
              "GET",
              `/api/v1/workspaces/${wid}/dms`,
            );
            expectStatus(list, 200);
            const mine = list.body.dms.find((x) => x.id === dm)!;
            assert.deepEqual([mine.unread_count, mine.mention_count], [2, 1]);
            assert.equal(list.body.dms[0]!.id, dm, "most recently active first");
            const page = await call<{ messages: Message[] }>(
              "alice",
              "GET",
              `/api/v1/dms/${dm}/messages`,
            );
            assert.deepEqual(page.body.messages.map((m) => [m.content, m.dm_id, m.channel_id]), [
              ["are you there @alice?", dm, null],
              ["hi alice", dm, null],
            ]);
            const read = await call<{ unread_count: number }>(
              "alice",
              "POST",
              `/api/v1/dms/${dm}/read`,
              {
                message_id: page.body.messages[0]!.id,
              },
            );
            expectStatus(read, 200);
            assert.equal(read.body.unread_count, 0);
            const one = await call<{ unread_count: number }>("alice", "GET", `/api/v1/dms/${dm}`);
            assert.equal(one.body.unread_count, 0);
          },
        );

        await t.step(
          "Idempotency-Key and client_msg_id: a retry returns the original (200, same body); another body is 409",
          async () => {
            const key = { "Idempotency-Key": `k-${suffix}` };
            const first = await send("bob", eng, "deploy at 5", key);
            expectStatus(first, 201);
            const retry = await send("bob", eng, "deploy at 5", key);
            expectStatus(retry, 200);
            assert.deepEqual(retry.body, first.body, "the same body");
            expectError(await send("bob", eng, "deploy at 6", key), 409, "idempotency_key_reused");
            expectStatus(await send("alice", eng, "deploy at 5", key), 201, "keys are per user");
            const viaBody = { content: "via client id", client_msg_id: `c-${suffix}` };
            const b1 = await call<Message>(
              "bob",
              "POST",
              `/api/v1/channels/${eng}/messages`,
              viaBody,
            );
            const b2 = await call<Message>(
              "bob",
              "POST",
              `/api/v1/channels/${eng}/messages`,
              viaBody,
            );
            expectStatus(b1, 201);
            expectStatus(b2, 200);
            assert.equal(b2.body.id, b1.body.id);
            assert.equal(b1.body.client_msg_id, `c-${suffix}`);
            const [n] = await target.sql.query<{ n: number }>(
              "select count(*)::int as n from messages where channel_id = $1 and content = 'deploy at 5'",
              [eng],
            );
            assert.equal(n!.n, 2, "bob's and alice's, no duplicate");
            // Keys live 24 hours.
            await target.sql.query(
              "update idempotency_keys set created_at = created_at - interval '25 hours' where key = $1",
              [`k-${suffix}`],
            );
            const later = await send("bob", eng, "deploy at 5", key);
            expectStatus(later, 201, "an expired key is forgotten");
            assert.notEqual(later.body.id, first.body.id);
          },
        );

        await t.step("concurrent retries with one key create exactly one message", async () => {
          const key = { "Idempotency-Key": `race-${suffix}` };
          const replies = await Promise.all(
            Array.from({ length: 12 }, () => send("bob", eng, "exactly once", key)),
          );
          for (const r of replies) assert.ok([200, 201].includes(r.status), JSON.stringify(r.body));
          assert.equal(replies.filter((r) => r.status === 201).length, 1);
          assert.equal(
            new Set(replies.map((r) => JSON.stringify(r.body))).size,
            1,
            "every reply has the same body",
          );
          const [n] = await target.sql.query<{ n: number }>(
            "select count(*)::int as n from messages where channel_id = $1 and content = 'exactly once'",
            [eng],
          );
          assert.equal(n!.n, 1);
        });

        await t.step(
          "content: empty is 400, over 40,000 characters is 413, markdown is stored as written",
          async () => {
            expectError(await send("bob", eng, "   "), 400, "content_empty");
            expectError(await send("bob", eng, "x".repeat(40_001)), 413, "content_too_long");
            expectError(
              await send("bob", eng, "😀".repeat(40_001)),
              413,
              "content_too_long",
              "characters, not UTF-16 units",
            );
            expectStatus(
              await send("bob", eng, "😀".repeat(40_000)),
              201,
              "40,000 emoji are 40,000 characters",
            );
            const md =
              "# Title\n\n**bold** <script>alert(1)</script> [x](javascript:alert(1))\n\n```\ncode\n```";
            const r = await send("bob", eng, md);
            expectStatus(r, 201);
            assert.equal(r.body.content, md, "stored as written; rendering is the client's job");
            const [row] = await target.sql.query<{ content: string }>(
              "select content from messages where id = $1",
              [r.body.id],
            );
            assert.equal(row!.content, md);
          },
        );

        await t.step(
          "bad input: wrong types, unknown fields, operator objects and bad ids are 400 with details",
          async () => {
            const path = `/api/v1/channels/${eng}/messages`;
            for (
              const body of [
                { content: { $ne: null } },
                { content: 42 },
                { content: "hi", extra: true },
                { content: "hi", client_msg_id: { $gt: "" } },
                { content: "nul\u0000byte" },
                [],
              ]
            ) {
              const r = await call<{ error: { code: string; details?: unknown[] } }>(
                "bob",
                "POST",
                path,
                body,
              );
              expectError(r, 400, "invalid_request", JSON.stringify(body));
              assert.ok(r.body.error.details?.length, "with field details");
            }
            expectError(await call("bob", "POST", path, "{not json"), 400, "invalid_request");
            expectError(
              await call("bob", "GET", "/api/v1/channels/not-a-uuid/messages"),
              400,
              "invalid_request",
            );
            expectError(
              await call("bob", "POST", `/api/v1/workspaces/${wid}/channels`, { name: { $ne: 1 } }),
              400,
              "invalid_request",
            );
            expectError(
              await call("alice", "POST", `/api/v1/workspaces/${wid}/members`, {
                user_id: ids.mia,
                role: "god",
              }),
              400,
              "invalid_request",
            );
            expectError(
              await call("bob", "GET", `/api/v1/channels/${eng}/messages?limit=201`),
              400,
              "invalid_request",
            );
            expectError(
              await call("bob", "POST", `/api/v1/workspaces/${wid}/dms`, { user_ids: "bob" }),
              400,
              "invalid_request",
            );
          },
        );

        let edited: Message;
        await t.step(
          "edit: the author only; edited_at and message.updated; a deleted message cannot be edited",
          async () => {
            const m = await send("bob", eng, "typo teh");
            const e = await call<Message>("bob", "PATCH", `/api/v1/messages/${m.body.id}`, {
              content: "typo the",
            });
            expectStatus(e, 200);
            assert.equal(e.body.content, "typo the");
            assert.ok(e.body.edited_at);
            edited = e.body;
            expectError(
              await call("alice", "PATCH", `/api/v1/messages/${m.body.id}`, { content: "no" }),
              403,
              "not_author",
              "not even the channel owner",
            );
            expectError(
              await call("grace", "PATCH", `/api/v1/messages/${m.body.id}`, { content: "no" }),
              404,
              "message_not_found",
            );
            expectError(
              await call("bob", "PATCH", `/api/v1/messages/${m.body.id}`, { content: "" }),
              400,
              "content_empty",
            );
            expectStatus(await call("bob", "DELETE", `/api/v1/messages/${m.body.id}`), 204);
            expectError(
              await call("bob", "PATCH", `/api/v1/messages/${m.body.id}`, { content: "back" }),
              409,
              "message_deleted",
            );
          },
        );

        await t.step(
          "delete: the author, the channel's owners and admins, or a moderator; a tombstone remains",
          async () => {
            const ms = [];
            for (let i = 0; i < 4; i++) ms.push((await send("bob", eng, `to delete ${i}`)).body);
            expectError(
              await call("carol", "DELETE", `/api/v1/messages/${ms[0]!.id}`),
              403,
              "forbidden",
              "a member who is not the author",
            );
            expectStatus(
              await call("bob", "DELETE", `/api/v1/messages/${ms[0]!.id}`),
              204,
              "author",
            );
            expectStatus(
              await call("bob", "DELETE", `/api/v1/messages/${ms[0]!.id}`),
              204,
              "again: nothing changes",
            );
            expectStatus(
              await call("frank", "DELETE", `/api/v1/messages/${ms[1]!.id}`),
              204,
              "channel admin",
            );
            expectStatus(
              await call("alice", "DELETE", `/api/v1/messages/${ms[2]!.id}`),
              204,
              "channel owner",
            );
            expectStatus(
              await call("mia", "DELETE", `/api/v1/messages/${ms[3]!.id}`),
              204,
              "moderator, not even a member",
            );
            const s = await send("bob", secret, "private words");
            expectStatus(
              await call("mia", "DELETE", `/api/v1/messages/${s.body.id}`),
              204,
              "moderator in a private channel",
            );
            expectError(
              await call("grace", "DELETE", `/api/v1/messages/${s.body.id}`),
              404,
              "message_not_found",
            );
            const t0 = await call<Message>("bob", "GET", `/api/v1/messages/${ms[0]!.id}`);
            expectStatus(t0, 200);
            assert.equal(t0.body.content, "");
            assert.ok(t0.body.deleted_at);
            assert.deepEqual(t0.body.reactions, []);
            const [row] = await target.sql.query<{ content: string; deleted_by: string }>(
              "select content, deleted_by from messages where id = $1",
              [ms[3]!.id],
            );
            assert.deepEqual([row!.content, row!.deleted_by], ["", ids.mia]);
          },
        );

        await t.step(
          "mentions: @username and @channel resolve to member ids, code is not a mention, edits re-resolve",
          async () => {
            const before = (await channelOf("carol", general))!.mention_count;
            const m = await send(
              "bob",
              general,
              "ping @Carol and @grace, not `@frank`\n```\n@heidi\n```",
            );
            assert.deepEqual(
              m.body.mentions,
              [ids.carol],
              "grace is not in the channel; code is not prose",
            );
            assert.equal((await channelOf("carol", general))!.mention_count, before + 1);
            const all = await send("bob", general, "@channel standup in 5");
            assert.deepEqual(
              all.body.mentions,
              [ids.alice, ids.carol, ids.frank, ids.heidi].sort(),
              "every member but the author",
            );
            const e = await call<Message>("bob", "PATCH", `/api/v1/messages/${m.body.id}`, {
              content: "ping nobody",
            });
            assert.deepEqual(e.body.mentions, []);
            assert.equal(
              (await channelOf("carol", general))!.mention_count,
              before + 1,
              "the edit took one mention back, @channel added one",
            );
          },
        );

        await t.step(
          "history: keyset pages newest first with before/after and has_more",
          async () => {
            const h = await call<{ id: string }>(
              "alice",
              "POST",
              `/api/v1/workspaces/${wid}/channels`,
              { name: `history` },
            );
            const hid = h.body.id;
            const sent: Message[] = [];
            for (let i = 0; i < 7; i++) sent.push((await send("alice", hid, `m${i}`)).body);
            const page = (q: string) =>
              call<{ messages: Message[]; has_more: boolean }>(
                "alice",
                "GET",
                `/api/v1/channels/${hid}/messages?${q}`,
              );
            const names = (
              r: Reply<{ messages: Message[]; has_more: boolean }>,
            ) => [r.body.messages.map((m) => m.content), r.body.has_more];
            assert.deepEqual(names(await page("limit=3")), [["m6", "m5", "m4"], true]);
            assert.deepEqual(names(await page(`limit=3&before=${sent[4]!.id}`)), [[
              "m3",
              "m2",
              "m1",
            ], true]);
            assert.deepEqual(names(await page(`limit=3&before=${sent[1]!.id}`)), [["m0"], false]);
            assert.deepEqual(names(await page(`limit=3&after=${sent[1]!.id}`)), [
              ["m4", "m3", "m2"],
              true,
            ]);
            assert.deepEqual(names(await page(`limit=3&after=${sent[4]!.id}`)), [
              ["m6", "m5"],
              false,
            ]);
            assert.deepEqual(names(await page("limit=50")), [[
              "m6",
              "m5",
              "m4",
              "m3",
              "m2",
              "m1",
              "m0",
            ], false]);
            expectError(
              await page(`before=${edited.id}`),
              400,
              "invalid_cursor",
              "a message of another channel",
            );
            expectError(await page(`before=${crypto.randomUUID()}`), 400, "invalid_cursor");
            expectError(
              await page(`before=${sent[1]!.id}&after=${sent[2]!.id}`),
              400,
              "invalid_request",
            );
          },
        );

        await t.step(
          "GET /messages/{mid}: members of the conversation only; everyone else 404",
          async () => {
            const s = await send("alice", secret, "only for secret members");
            expectStatus(await call("bob", "GET", `/api/v1/messages/${s.body.id}`), 200);
            for (const who of ["carol", "grace", "erin", "admin"] as const) {
              expectError(
                await call(who, "GET", `/api/v1/messages/${s.body.id}`),
                404,
                "message_not_found",
                who,
              );
            }
            expectError(
              await call("alice", "GET", `/api/v1/messages/${crypto.randomUUID()}`),
              404,
              "message_not_found",
            );
            const d = await call<{ messages: Message[] }>(
              "bob",
              "GET",
              `/api/v1/dms/${dm}/messages`,
            );
            expectError(
              await call("carol", "GET", `/api/v1/messages/${d.body.messages[0]!.id}`),
              404,
              "message_not_found",
            );
            expectStatus(
              await call("carol", "GET", `/api/v1/messages/${edited.id}`),
              200,
              "a public channel can be read by the workspace",
            );
            expectError(
              await call(
                "erin",
                "GET",
                `/api/v1/messages/${(await send("bob", general, "g")).body.id}`,
              ),
              404,
              "message_not_found",
              "guests only read channels they are in",
            );
          },
        );

        await t.step(
          "threads: replies oldest first, a reply to a reply goes to the root, counters exact under concurrency",
          async () => {
            const root = (await send("alice", eng, "thread root")).body;
            const first = await call<Message>(
              "bob",
              "POST",
              `/api/v1/messages/${root.id}/replies`,
              { content: "r0" },
            );
            expectStatus(first, 201);
            assert.equal(first.body.parent_id, root.id);
            const nested = await call<Message>(
              "frank",
              "POST",
              `/api/v1/messages/${first.body.id}/replies`,
              { content: "r1" },
            );
            assert.equal(nested.body.parent_id, root.id, "attached to the root");
            const people: Person[] = ["alice", "bob", "frank", "carol"];
            await call("carol", "POST", `/api/v1/channels/${eng}/join`);
            const burst = await Promise.all(
              Array.from(
                { length: 24 },
                (_, i) =>
                  call<Message>(people[i % 4]!, "POST", `/api/v1/messages/${root.id}/replies`, {
                    content: `c${i}`,
                  }),
              ),
            );
            for (const r of burst) expectStatus(r, 201);
            const parent = await call<Message>("bob", "GET", `/api/v1/messages/${root.id}`);
            assert.equal(parent.body.reply_count, 26);
            assert.ok(parent.body.last_reply_at);
            const p1 = await call<{ messages: Message[]; has_more: boolean; parent: Message }>(
              "bob",
              "GET",
              `/api/v1/messages/${root.id}/replies?limit=10`,
            );
            assert.equal(p1.body.parent.id, root.id);
            assert.deepEqual(p1.body.messages.slice(0, 2).map((m) => m.content), ["r0", "r1"]);
            assert.equal(p1.body.has_more, true);
            const p2 = await call<{ messages: Message[]; has_more: boolean }>(
              "bob",
              "GET",
              `/api/v1/messages/${root.id}/replies?limit=20&after=${p1.body.messages.at(-1)!.id}`,
            );
            assert.equal(p2.body.messages.length, 16);
            assert.equal(p2.body.has_more, false);
            const seqs = [...p1.body.messages, ...p2.body.messages].map((m) => m.seq);
            assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), "oldest first");
            assert.equal(new Set(seqs).size, 26);
            const top = await call<{ messages: Message[] }>(
              "bob",
              "GET",
              `/api/v1/channels/${eng}/messages?limit=5`,
            );
            assert.ok(
              top.body.messages.every((m) => m.parent_id === null),
              "replies stay in their thread",
            );
            expectStatus(await call("frank", "DELETE", `/api/v1/messages/${nested.body.id}`), 204);
            assert.equal(
              (await call<Message>("bob", "GET", `/api/v1/messages/${root.id}`)).body.reply_count,
              25,
            );
            expectError(
              await call("grace", "POST", `/api/v1/messages/${root.id}/replies`, { content: "x" }),
              404,
              "message_not_found",
            );
            expectStatus(await call("alice", "DELETE", `/api/v1/messages/${root.id}`), 204);
            expectError(
              await call("bob", "POST", `/api/v1/messages/${first.body.id}/replies`, {
                content: "x",
              }),
              409,
              "message_deleted",
            );
          },
        );

        await t.step(
          "reactions: idempotent add and remove, aggregated, validated, at most 50 distinct emoji",
          async () => {
            const m = (await send("alice", eng, "react to me")).body;
            const url = (e: string) =>
              `/api/v1/messages/${m.id}/reactions/${encodeURIComponent(e)}`;
            expectStatus(await call("bob", "PUT", url("👍")), 200);
            const twice = await call<Message>("bob", "PUT", url("👍"));
            expectStatus(twice, 200);
            await call("alice", "PUT", url("👍"));
            const r = await call<Message>("frank", "PUT", url(":tada:"));
            assert.deepEqual(r.body.reactions, [
              { emoji: "👍", count: 2, user_ids: [ids.bob, ids.alice] },
              { emoji: ":tada:", count: 1, user_ids: [ids.frank] },
            ]);
            const removed = await call<Message>("bob", "DELETE", url("👍"));
            assert.deepEqual(removed.body.reactions[0], {
              emoji: "👍",
              count: 1,
              user_ids: [ids.alice],
            });
            expectStatus(await call("bob", "DELETE", url("👍")), 200, "removing again is fine");
            for (const bad of ["notemoji", "👍👍", ":no spaces:", "<b>"]) {
              expectError(await call("bob", "PUT", url(bad)), 400, "invalid_emoji", bad);
            }
            expectStatus(await call("bob", "PUT", url("👨‍👩‍👧")), 200, "a ZWJ sequence is one emoji");
            expectStatus(await call("bob", "PUT", url("👍🏽")), 200, "a skin tone is one emoji");
            expectError(await call("grace", "PUT", url("👍")), 404, "message_not_found");
            for (let i = 0; i < 46; i++) {
              expectStatus(await call("frank", "PUT", url(`:e${i}:`)), 200);
            }
            expectError(
              await call("frank", "PUT", url(":one-too-many:")),
              409,
              "too_many_reactions",
            );
            expectStatus(
              await call("bob", "PUT", url(":e0:")),
              200,
              "an existing emoji can still be added to",
            );
            const final = await call<Message>("carol", "GET", `/api/v1/messages/${m.id}`);
            assert.equal(final.body.reactions.length, 50);
          },
        );

        await t.step(
          "read state: the marker never moves backwards; counts are right after edits, deletes and replies",
          async () => {
            const r = await call<{ id: string }>(
              "alice",
              "POST",
              `/api/v1/workspaces/${wid}/channels`,
              { name: "reads" },
            );
            const rid = r.body.id;
            await call("alice", "POST", `/api/v1/channels/${rid}/members`, { user_id: ids.bob });
            const ms: Message[] = [];
            for (const text of ["one", "two @bob", "three", "four"]) {
              ms.push((await send("alice", rid, text)).body);
            }
            const counts = async () => {
              const ch = (await channelOf("bob", rid))!;
              return [ch.unread_count, ch.mention_count];
            };
            assert.deepEqual(await counts(), [4, 1]);
            await call("alice", "POST", `/api/v1/messages/${ms[3]!.id}/replies`, {
              content: "a reply for @bob",
            });
            assert.deepEqual(
              await counts(),
              [4, 2],
              "a reply is not unread in the channel, its mention is",
            );
            await call("alice", "PATCH", `/api/v1/messages/${ms[1]!.id}`, { content: "two" });
            assert.deepEqual(await counts(), [4, 1], "an edit that drops the mention");
            await call("alice", "DELETE", `/api/v1/messages/${ms[2]!.id}`);
            assert.deepEqual(await counts(), [3, 1], "a deleted message is not unread");
            const mark = await call<
              { unread_count: number; last_read_message_id: string; mention_count: number }
            >("bob", "POST", `/api/v1/channels/${rid}/read`, {
              message_id: ms[1]!.id,
            });
            expectStatus(mark, 200);
            assert.deepEqual([mark.body.unread_count, mark.body.last_read_message_id], [
              1,
              ms[1]!.id,
            ]);
            const back = await call<{ last_read_message_id: string }>(
              "bob",
              "POST",
              `/api/v1/channels/${rid}/read`,
              { message_id: ms[0]!.id },
            );
            assert.equal(back.body.last_read_message_id, ms[1]!.id, "never backwards");
            expectError(
              await call("bob", "POST", `/api/v1/channels/${rid}/read`, { message_id: edited.id }),
              404,
              "message_not_found",
            );
            expectError(
              await call("heidi", "POST", `/api/v1/channels/${eng}/read`, {
                message_id: edited.id,
              }),
              403,
              "not_a_member",
            );
            const own = await send("bob", rid, "my own");
            assert.ok(own.status === 201);
            assert.deepEqual(await counts(), [0, 0], "posting reads everything before it");
          },
        );

        await t.step(
          "events: every change emits its schema-valid event; per-conversation positions are gap-free and ordered under concurrent writers",
          async () => {
            const chans: string[] = [];
            for (let i = 0; i < 3; i++) {
              const ch = await call<{ id: string }>(
                "alice",
                "POST",
                `/api/v1/workspaces/${wid}/channels`,
                { name: `load-${i}` },
              );
              chans.push(ch.body.id);
              for (const who of ["bob", "frank"] as const) {
                await call("alice", "POST", `/api/v1/channels/${ch.body.id}/members`, {
                  user_id: ids[who],
                });
              }
            }
            const writers: Person[] = ["alice", "bob", "frank"];
            await Promise.all(chans.flatMap((cid) =>
              writers.map(async (who) => {
                for (let i = 0; i < 12; i++) {
                  const m = await send(who, cid, `${who} ${i}`);
                  expectStatus(m, 201);
                  if (i % 4 === 0) {
                    expectStatus(
                      await call(
                        who,
                        "PUT",
                        `/api/v1/messages/${m.body.id}/reactions/%F0%9F%91%8D`,
                      ),
                      200,
                    );
                  }
                  if (i % 6 === 0) {
                    expectStatus(
                      await call(who, "PATCH", `/api/v1/messages/${m.body.id}`, {
                        content: `${who} ${i}!`,
                      }),
                      200,
                    );
                  }
                }
              })
            ));
            const convs = await target.sql.query<{ id: string; last_seq: number }>(
              `select id, last_seq from channels where workspace_id = any($1::uuid[])
             union all select id, last_seq from direct_messages where workspace_id = any($1::uuid[])`,
              [[...ourWorkspaces]],
            );
            const ours = (s: Seen) => ourWorkspaces.has(String(s.ev.data.workspace_id));
            await eventually(() => {
              const got = new Map<string, Set<number>>();
              for (const s of seen.filter(ours)) {
                if (s.topic === "read.updated") continue;
                const set = got.get(s.ev.aggregate_id) ?? new Set();
                set.add(s.ev.data.seq as number);
                got.set(s.ev.aggregate_id, set);
              }
              const missing = convs.filter((cv) => (got.get(cv.id)?.size ?? 0) < cv.last_seq);
              assert.deepEqual(missing.map((m) => m.id), [], "every position's event arrives");
            }, { timeoutMs: 30_000 });
            const byConv = new Map<string, Seen[]>();
            const ids_ = new Set<string>();
            for (const s of seen.filter(ours)) {
              if (ids_.has(s.ev.id)) continue; // at least once: redeliveries are deduplicated by id
              ids_.add(s.ev.id);
              if (s.topic === "read.updated") continue;
              byConv.set(s.ev.aggregate_id, [...(byConv.get(s.ev.aggregate_id) ?? []), s]);
            }
            for (const cv of convs) {
              const evs = byConv.get(cv.id) ?? [];
              const seqs = evs.map((s) => s.ev.data.seq as number).sort((a, b) => a - b);
              assert.deepEqual(
                seqs,
                Array.from({ length: cv.last_seq }, (_, i) => i + 1),
                `conversation ${cv.id}: positions 1..${cv.last_seq}, each once`,
              );
              for (const topic of CONVERSATION_TOPICS) {
                const inTopic = evs.filter((s) => s.topic === topic).map((s) =>
                  s.ev.data.seq as number
                );
                assert.deepEqual(
                  inTopic,
                  [...inTopic].sort((a, b) => a - b),
                  `${cv.id} ${topic}: delivered in position order`,
                );
              }
            }
            for (const cid of chans) {
              const evs = byConv.get(cid)!;
              const [n] = await target.sql.query<{ n: number }>(
                "select count(*)::int as n from messages where channel_id = $1",
                [cid],
              );
              assert.equal(
                evs.filter((s) => s.topic === "message.created").length,
                n!.n,
                "one message.created per row",
              );
              assert.equal(n!.n, 36);
            }
            assert.equal(
              invalid.length,
              0,
              `events that do not parse: ${invalid.slice(0, 3).join("; ")}`,
            );
            const types = new Set(seen.filter(ours).map((s) => s.topic));
            assert.deepEqual(
              [...CONVERSATION_TOPICS, "read.updated"].filter((tp) => !types.has(tp)),
              [],
              "every kind of change was seen",
            );
          },
        );
      } finally {
        await sub?.close();
        await target.close();
      }
    },
  });
}
