import assert from "node:assert/strict";
import { type EventEnvelope, parseEvent } from "@colink/contracts";
import type { DocumentStore, Subscription } from "@colink/platform";
import {
  createBrowser,
  eventually,
  passwordGrant,
  signInWithForms,
  sleep,
  uniqueSuffix,
} from "@colink/testing";
import { type ChatClient, chatClient, type ChatTarget } from "./chat_client.ts";
import { Client } from "./realtime_suite.ts";

/** A running CoLink for the moderation suite. */
export interface ModerationTarget extends ChatTarget {
  /** A realtime instance's ws:// base (in distributed mode not the process that takes actions). */
  wsBase: string;
  /** Another API instance's base (its own principal cache); the same one in embedded mode. */
  otherApi: string;
  /** The document store where the audit blobs land. */
  docs: DocumentStore;
  /** Someone to ban: their credentials, and (with Keycloak) whether the IdP has them enabled. */
  banTarget(): Promise<{
    username: string;
    password: string;
    idpEnabled?: () => Promise<boolean>;
    cleanup(): Promise<void>;
  }>;
}

interface Action {
  id: string;
  action_type: string;
  active: boolean;
  expires_at: string | null;
}

/**
 * Moderation as shared/API.md ("Moderation") promises it: warn, mute, kick and ban with undo and
 * expiry, a ban's reach (tokens, sessions, sockets, the IdP) within 5 seconds on other instances,
 * content moderation (deleting, thread locks, reports), role administration, and an audit log
 * written with every action, mirrored to the document store, append-only, filterable and
 * exportable; `moderation.action` on the bus for every action.
 */
export function moderationSuite(mode: string, makeTarget: () => Promise<ModerationTarget>): void {
  Deno.test({
    name: `moderation [${mode}]`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const tg = await makeTarget();
      const sockets: Client[] = [];
      const onBus: EventEnvelope[] = [];
      let sub: Subscription | undefined;
      const actionIds: string[] = [];
      try {
        sub = await tg.bus.subscribe(
          { group: `moderation-suite-${uniqueSuffix()}`, topics: ["moderation.action"] },
          (m) => {
            onBus.push(parseEvent(JSON.parse(m.value)));
            return Promise.resolve();
          },
        );
        const c: ChatClient = await chatClient(tg);
        const { call, ids } = c;
        const socket = async (token: string) => {
          const s = new Client(`${tg.wsBase}/ws`);
          sockets.push(s);
          await s.auth(token);
          return s;
        };
        const act = async (body: Record<string, unknown>, as: "mia" | "admin" = "mia") => {
          const r = await call<Action>(as, "POST", "/api/v1/admin/moderation-actions", body);
          assert.equal(r.status, 201, JSON.stringify(r.body));
          actionIds.push(r.body.id);
          return r.body;
        };
        const send = (as: "bob" | "alice", cid: string, content = "hello") =>
          call<{ id: string }>(as, "POST", `/api/v1/channels/${cid}/messages`, { content });
        const slug = `mod-${uniqueSuffix().toLowerCase().replace(/[^a-z0-9]/g, "").slice(-10)}`;
        const ws = await call<{ id: string }>("alice", "POST", "/api/v1/workspaces", {
          name: "Moderated",
          slug,
        });
        const wid = ws.body.id;
        for (const u of ["bob", "carol"] as const) {
          await call("alice", "POST", `/api/v1/workspaces/${wid}/members`, { user_id: ids[u] });
        }
        const channel = async (name: string) => {
          const ch = await call<{ id: string }>(
            "alice",
            "POST",
            `/api/v1/workspaces/${wid}/channels`,
            {
              name: `${name}-${uniqueSuffix().toLowerCase().replace(/[^a-z0-9]/g, "").slice(-6)}`,
              is_private: false,
            },
          );
          for (const u of ["bob", "carol"] as const) {
            await call(u, "POST", `/api/v1/channels/${ch.body.id}/join`);
          }
          return ch.body.id;
        };
        const [general, random] = [await channel("general"), await channel("random")];

        await t.step("only realm admins and moderators act; bad input is a 400", async () => {
          const body = { action_type: "warn", target_user_id: ids.carol, reason: "x" };
          assert.equal(
            (await call("bob", "POST", "/api/v1/admin/moderation-actions", body)).status,
            403,
          );
          for (
            const bad of [
              { ...body, action_type: "smite" },
              { ...body, reason: "" },
              { ...body, action_type: "kick" }, // where from?
              { ...body, duration_seconds: 60 }, // a warning does not last
              { ...body, action_type: "ban", channel_id: general },
              { ...body, extra: 1 },
            ]
          ) {
            const r = await call("mia", "POST", "/api/v1/admin/moderation-actions", bad);
            assert.equal(r.status, 400, JSON.stringify(bad));
          }
          const self = { ...body, target_user_id: ids.mia };
          assert.equal(
            (await call("mia", "POST", "/api/v1/admin/moderation-actions", self)).status,
            400,
          );
          const onAdmin = { ...body, target_user_id: ids.admin };
          assert.equal(
            (await call("mia", "POST", "/api/v1/admin/moderation-actions", onAdmin)).status,
            403,
            "a moderator does not act on an admin",
          );
          const nobody = { ...body, target_user_id: crypto.randomUUID() };
          assert.equal(
            (await call("mia", "POST", "/api/v1/admin/moderation-actions", nobody)).status,
            404,
          );
        });

        await t.step(
          "a warning reaches the target's socket as moderation.action, nobody else's",
          async () => {
            const [bob, carol] = [await socket(c.token("bob")), await socket(c.token("carol"))];
            const w = await act({
              action_type: "warn",
              target_user_id: ids.bob,
              reason: "Be kind",
            });
            await eventually(() => {
              const got = bob.events("moderation.action");
              assert.equal(got.length, 1);
              assert.equal(got[0]!.data!.action_id, w.id);
              assert.equal(got[0]!.data!.reason, "Be kind");
            });
            await sleep(200);
            assert.equal(carol.events("moderation.action").length, 0);
            await Promise.all([bob.close(), carol.close()]);
          },
        );

        await t.step(
          "a mute refuses sends (403 muted) where it applies, until it expires or is undone",
          async () => {
            const m = await act({
              action_type: "mute",
              target_user_id: ids.bob,
              reason: "Flooding",
              channel_id: general,
              duration_seconds: 3,
            });
            assert.equal(m.active, true);
            assert.ok(m.expires_at);
            const refused = await send("bob", general);
            assert.equal(refused.status, 403);
            assert.equal(
              (refused.body as unknown as { error: { code: string } }).error.code,
              "muted",
            );
            assert.equal((await send("bob", random)).status, 201, "another channel is fine");
            assert.equal((await send("alice", general)).status, 201, "others are not muted");
            await eventually(async () => assert.equal((await send("bob", general)).status, 201), {
              timeoutMs: 6_000,
            });
            const wide = await act({
              action_type: "mute",
              target_user_id: ids.bob,
              reason: "Everywhere here",
              workspace_id: wid,
            });
            assert.equal((await send("bob", random)).status, 403);
            const reply = await call(
              "bob",
              "POST",
              `/api/v1/messages/${(await send("alice", random)).body.id}/replies`,
              {
                content: "in a thread",
              },
            );
            assert.equal(reply.status, 403, "replies too");
            const active = await call<{ actions: Action[] }>(
              "mia",
              "GET",
              `/api/v1/admin/moderation-actions?target_user_id=${ids.bob}&active=true`,
            );
            assert.deepEqual(active.body.actions.map((a) => a.id), [wide.id]);
            const undone = await call<Action>(
              "mia",
              "DELETE",
              `/api/v1/admin/moderation-actions/${wide.id}`,
            );
            assert.equal(undone.status, 200);
            assert.equal(undone.body.active, false);
            assert.equal((await send("bob", random)).status, 201);
            assert.equal(
              (await call("mia", "DELETE", `/api/v1/admin/moderation-actions/${wide.id}`)).status,
              409,
            );
          },
        );

        await t.step(
          "a kick removes them from the channel; their socket stops receiving it at once",
          async () => {
            const bob = await socket(c.token("bob"));
            await act({
              action_type: "kick",
              target_user_id: ids.bob,
              reason: "Off topic",
              channel_id: random,
            });
            await eventually(() => assert.equal(bob.events("channel.member_left").length, 1));
            const after = await send("alice", random, "after the kick");
            await sleep(300);
            assert.ok(!bob.events().some((f) => f.data!.id === after.body.id));
            assert.equal((await send("bob", random)).status, 403, "no longer a member");
            await bob.close();
            await call("bob", "POST", `/api/v1/channels/${random}/join`);
          },
        );

        await t.step(
          "a ban: the open socket closes and the token is refused within 5 s on other instances; undo lets them back",
          async () => {
            const who = await tg.banTarget();
            try {
              const grant = await passwordGrant(fetch, tg.tokenUrl, who.username, {
                password: who.password,
              });
              assert.equal(grant.status, 200, JSON.stringify(grant.body));
              const token = grant.body.access_token as string;
              const me = (base: string) =>
                fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
              const first = await me(tg.otherApi);
              const target = (await first.json()).id as string;
              assert.equal((await me(tg.base)).status, 200); // cached on both instances now
              // And a browser session of theirs (the gateway's login, a session cookie).
              const browser = createBrowser();
              const start = await browser.follow(`${tg.base}/auth/login?return_to=/`);
              const callback = await signInWithForms(
                browser,
                start,
                { username: who.username, password: who.password },
                (u) => u.pathname === "/auth/callback",
              );
              await (await browser.fetch(callback.toString())).body?.cancel();
              const viaCookie = () => browser.fetch(`${tg.base}/api/v1/me`);
              assert.equal((await viaCookie()).status, 200, "signed in with a cookie");
              const s = await socket(token);
              const started = Date.now();
              const ban = await act({
                action_type: "ban",
                target_user_id: target,
                reason: "Spam bot",
              });
              await s.closed();
              const closedAfter = Date.now() - started;
              assert.equal(s.closeCode, 4401);
              assert.ok(
                s.events("moderation.action").some((f) => f.data!.action_type === "ban"),
                "told why before the close",
              );
              await eventually(async () => {
                const r = await me(tg.otherApi);
                assert.equal(r.status, 403);
                assert.equal((await r.json()).error.code, "account_banned");
              }, { timeoutMs: 5_000 });
              const refusedAfter = Date.now() - started;
              const cookie = await viaCookie();
              await cookie.body?.cancel();
              assert.ok([401, 403].includes(cookie.status), `the session cookie: ${cookie.status}`);
              if (!who.idpEnabled) {
                // An issuer that still lets them sign in: CoLink sends the browser back to the web
                // client with the reason, and makes no session.
                const again = createBrowser();
                const back = await signInWithForms(
                  again,
                  await again.follow(`${tg.base}/auth/login?return_to=/`),
                  { username: who.username, password: who.password },
                  (u) => u.pathname === "/auth/callback",
                );
                const landed = await again.fetch(back.toString());
                await landed.body?.cancel();
                assert.equal(landed.status, 302);
                assert.equal(landed.headers.get("location"), "/?error=account_banned");
                const none = await again.fetch(`${tg.base}/api/v1/me`);
                await none.body?.cancel();
                assert.equal(none.status, 401);
              }
              assert.ok(
                closedAfter < 5_000 && refusedAfter < 5_000,
                `${closedAfter} / ${refusedAfter} ms`,
              );
              const again = new Client(`${tg.wsBase}/ws`);
              sockets.push(again);
              await again.opened();
              again.send({ type: "auth", token });
              await again.closed();
              assert.equal(again.closeCode, 4401, "a new socket is refused too");
              if (who.idpEnabled) {
                await eventually(async () => assert.equal(await who.idpEnabled!(), false));
                const g = await passwordGrant(fetch, tg.tokenUrl, who.username, {
                  password: who.password,
                });
                assert.notEqual(g.status, 200, "Keycloak refuses to sign them in");
              }
              const undone = await call(
                "admin",
                "DELETE",
                `/api/v1/admin/moderation-actions/${ban.id}`,
              );
              assert.equal(undone.status, 200);
              await eventually(async () => assert.equal((await me(tg.otherApi)).status, 200));
              const ended = await viaCookie();
              await ended.body?.cancel();
              assert.equal(ended.status, 401, "the banned session stays ended: sign in again");
              if (who.idpEnabled) {
                await eventually(async () => assert.equal(await who.idpEnabled!(), true));
              }
              // A ban with a duration lifts on its own.
              const timed = await act({
                action_type: "ban",
                target_user_id: target,
                reason: "Cool off",
                duration_seconds: 2,
              });
              await eventually(async () => assert.equal((await me(tg.otherApi)).status, 403));
              await eventually(async () => assert.equal((await me(tg.otherApi)).status, 200), {
                timeoutMs: 10_000,
              });
              const lifted = await call<
                { entries: { action: string; metadata: { action_id: string } }[] }
              >(
                "admin",
                "GET",
                `/api/v1/admin/audit-log?action=moderation.unban.expired&resource_type=user`,
              );
              assert.ok(lifted.body.entries.some((e) => e.metadata.action_id === timed.id));
            } finally {
              await who.cleanup();
            }
          },
        );

        await t.step(
          "reports: members report what they can see; the queue; resolve and dismiss",
          async () => {
            const m = (await send("alice", general, "something rude")).body.id;
            const path = `/api/v1/messages/${m}/report`;
            const r1 = await call<{ id: string; status: string; message: { id: string } }>(
              "bob",
              "POST",
              path,
              {
                reason: "rude",
              },
            );
            assert.equal(r1.status, 201);
            assert.equal(r1.body.message.id, m);
            assert.equal(
              (await call<{ id: string }>("bob", "POST", path, { reason: "again" })).body.id,
              r1.body.id,
            );
            assert.equal(
              (await call("alice", "POST", path, { reason: "me" })).status,
              400,
              "not one's own",
            );
            assert.equal(
              (await call("grace", "POST", path, { reason: "?" })).status,
              404,
              "cannot see it",
            );
            assert.equal((await call("bob", "POST", path, { reason: "" })).status, 400);
            const r2 = await call<{ id: string }>("carol", "POST", path, { reason: "spam" });
            assert.equal((await call("bob", "GET", "/api/v1/admin/reports")).status, 403);
            const queue = await call<{ reports: { id: string }[] }>(
              "mia",
              "GET",
              "/api/v1/admin/reports?limit=200",
            );
            const ours = queue.body.reports.map((r) => r.id).filter((id) =>
              id === r1.body.id || id === r2.body.id
            );
            assert.deepEqual(ours, [r1.body.id, r2.body.id], "oldest first");
            const resolved = await call<{ status: string; resolution_note: string }>(
              "mia",
              "POST",
              `/api/v1/admin/reports/${r1.body.id}/resolve`,
              { note: "deleted it" },
            );
            assert.deepEqual([resolved.body.status, resolved.body.resolution_note], [
              "resolved",
              "deleted it",
            ]);
            assert.equal(
              (await call("mia", "POST", `/api/v1/admin/reports/${r1.body.id}/dismiss`, {})).status,
              409,
            );
            assert.equal(
              (await call("mia", "POST", `/api/v1/admin/reports/${r2.body.id}/dismiss`, {})).status,
              200,
            );
            const open = await call<{ reports: { id: string }[] }>(
              "mia",
              "GET",
              "/api/v1/admin/reports?limit=200",
            );
            assert.ok(!open.body.reports.some((r) => r.id === r1.body.id || r.id === r2.body.id));
          },
        );

        await t.step(
          "content: a moderator deletes anyone's message and locks a thread",
          async () => {
            const root = (await send("alice", general, "a thread")).body.id;
            assert.equal(
              (await call("bob", "POST", `/api/v1/messages/${root}/replies`, { content: "first" }))
                .status,
              201,
            );
            const locked = await call<{ thread_locked_at: string | null }>(
              "mia",
              "PUT",
              `/api/v1/admin/threads/${root}/lock`,
            );
            assert.equal(locked.status, 200);
            assert.ok(locked.body.thread_locked_at);
            const refused = await call<{ error: { code: string } }>(
              "bob",
              "POST",
              `/api/v1/messages/${root}/replies`,
              {
                content: "second",
              },
            );
            assert.deepEqual([refused.status, refused.body.error.code], [403, "thread_locked"]);
            await call("mia", "DELETE", `/api/v1/admin/threads/${root}/lock`);
            assert.equal(
              (await call("bob", "POST", `/api/v1/messages/${root}/replies`, { content: "third" }))
                .status,
              201,
            );
            const bobs = (await send("bob", general, "delete me")).body.id;
            assert.equal((await call("carol", "DELETE", `/api/v1/messages/${bobs}`)).status, 403);
            assert.equal((await call("mia", "DELETE", `/api/v1/messages/${bobs}`)).status, 204);
            const gone = await call<{ deleted_at: string | null; content: string }>(
              "bob",
              "GET",
              `/api/v1/messages/${bobs}`,
            );
            assert.ok(gone.body.deleted_at);
            assert.equal(gone.body.content, "");
          },
        );

        await t.step(
          "roles: owners and admins assign workspace roles; the last owner stays",
          async () => {
            const path = (u: string) => `/api/v1/workspaces/${wid}/members/${u}`;
            assert.equal(
              (await call("bob", "PATCH", path(ids.carol), { role: "admin" })).status,
              403,
            );
            const made = await call<{ role: string }>("alice", "PATCH", path(ids.carol), {
              role: "admin",
            });
            assert.deepEqual([made.status, made.body.role], [200, "admin"]);
            assert.equal(
              (await call("carol", "PATCH", path(ids.alice), { role: "member" })).status,
              403,
              "an admin does not unmake owners",
            );
            await call("alice", "DELETE", `/api/v1/channels/${general}/members/${ids.carol}`);
            const grant = await call("alice", "POST", `/api/v1/channels/${general}/members`, {
              user_id: ids.carol,
              role: "admin",
            });
            assert.equal(grant.status, 201, "a channel role given on joining");
            const last = await call<{ error: { code: string } }>(
              "alice",
              "PATCH",
              path(ids.alice),
              { role: "admin" },
            );
            assert.deepEqual([last.status, last.body.error.code], [409, "last_owner"]);
            assert.equal(
              (await call("alice", "PATCH", path(ids.carol), { role: "owner" })).status,
              200,
            );
            assert.equal(
              (await call("alice", "PATCH", path(ids.alice), { role: "member" })).status,
              200,
              "another owner exists now",
            );
            assert.equal(
              (await call("alice", "PATCH", path(ids.bob), { role: "admin" })).status,
              403,
              "alice is a member now",
            );
            assert.equal(
              (await call("carol", "PATCH", path(ids.bob), { role: "superuser" })).status,
              400,
            );
          },
        );

        await t.step(
          "the audit log: every action, filters, pages, CSV; admins only, refusals recorded",
          async () => {
            const log = await call<
              {
                entries: {
                  id: string;
                  action: string;
                  actor_id: string;
                  metadata: Record<string, unknown>;
                }[];
                next_cursor: string | null;
              }
            >(
              "admin",
              "GET",
              `/api/v1/admin/audit-log?actor_id=${ids.mia}&limit=1000`,
            );
            assert.equal(log.status, 200);
            const logged = new Set(log.body.entries.map((e) => e.metadata.action_id));
            assert.deepEqual(
              actionIds.filter((id) => !logged.has(id)),
              [],
              "every action is in audit_log",
            );
            const actions = new Set(log.body.entries.map((e) => e.action));
            for (
              const a of [
                "moderation.warn",
                "moderation.mute",
                "moderation.unmute",
                "moderation.kick",
                "moderation.ban",
                "report.resolve",
                "report.dismiss",
                "thread.lock",
                "thread.unlock",
                "message.delete",
              ]
            ) {
              assert.ok(actions.has(a), `${a} is recorded`);
            }
            const roles = await call<{ entries: { metadata: { from: string; to: string } }[] }>(
              "admin",
              "GET",
              `/api/v1/admin/audit-log?actor_id=${ids.alice}&action=role.change`,
            );
            assert.ok(roles.body.entries.some((e) => e.metadata.to === "owner"));
            // Roles given on joining are role changes too.
            const granted = await call<{ entries: { resource_type: string }[] }>(
              "admin",
              "GET",
              `/api/v1/admin/audit-log?actor_id=${ids.alice}&action=role.grant`,
            );
            assert.ok(granted.body.entries.some((e) => e.resource_type === "channel_member"));
            const page1 = await call<{ entries: { id: string }[]; next_cursor: string }>(
              "admin",
              "GET",
              `/api/v1/admin/audit-log?actor_id=${ids.mia}&limit=2`,
            );
            const page2 = await call<{ entries: { id: string }[] }>(
              "admin",
              "GET",
              `/api/v1/admin/audit-log?actor_id=${ids.mia}&limit=2&cursor=${page1.body.next_cursor}`,
            );
            assert.deepEqual(
              [...page1.body.entries, ...page2.body.entries].map((e) => e.id),
              log.body.entries.slice(0, 4).map((e) => e.id),
            );
            const csv = await call<string>(
              "admin",
              "GET",
              `/api/v1/admin/audit-log?actor_id=${ids.mia}`,
              undefined,
              { accept: "text/csv" },
            );
            assert.equal(csv.status, 200);
            assert.match(csv.res.headers.get("content-type") ?? "", /^text\/csv/);
            const lines = csv.body.trim().split("\r\n");
            assert.equal(
              lines[0],
              "id,created_at,actor_id,action,resource_type,resource_id,metadata",
            );
            assert.ok(lines.length - 1 >= log.body.entries.length, "every entry is exported");
            assert.equal(
              (await call("admin", "GET", "/api/v1/admin/audit-log?since=yesterday")).status,
              400,
            );
            assert.equal(
              (await call("admin", "GET", "/api/v1/admin/audit-log?cursor=nonsense")).status,
              400,
            );
            // Moderators moderate; they do not read the log. The refusal is on the record.
            assert.equal((await call("mia", "GET", "/api/v1/admin/audit-log")).status, 403);
            await eventually(async () => {
              const denied = await call<{ entries: { actor_id: string; resource_id: string }[] }>(
                "admin",
                "GET",
                `/api/v1/admin/audit-log?action=admin.denied&actor_id=${ids.mia}`,
              );
              assert.ok(
                denied.body.entries.some((e) => e.resource_id === "GET /api/v1/admin/audit-log"),
              );
            });
            const [entry] = log.body.entries;
            assert.ok(
              [404, 405].includes(
                (await call("admin", "DELETE", `/api/v1/admin/audit-log/${entry!.id}`)).status,
              ),
              "no route changes it",
            );
            await assert.rejects(
              tg.sql.query("update audit_log set action = 'tampered' where id = $1", [entry!.id]),
              /append-only/,
              "the services' database role cannot UPDATE it",
            );
            await assert.rejects(
              tg.sql.query("delete from audit_log where id = $1", [entry!.id]),
              /append-only/,
            );
            // The seed's admin audit blobs follow the table.
            await eventually(async () => {
              const blobs = await tg.docs.collection("admin_audit").find({
                audit_id: { $in: log.body.entries.map((e) => e.id) },
              });
              assert.equal(blobs.length, log.body.entries.length);
              const warn = blobs.find((b) => b.action_type === "moderation.warn")!;
              assert.equal(warn.actor_id, ids.mia);
              assert.ok((warn.timestamp as Date) instanceof Date);
            }, { timeoutMs: 10_000 });
          },
        );

        await t.step("every action is on the moderation.action topic", async () => {
          await eventually(() => {
            const seen = new Set(onBus.map((e) => (e.data as { action_id: string }).action_id));
            assert.deepEqual(actionIds.filter((id) => !seen.has(id)), []);
          }, { timeoutMs: 10_000 });
          assert.ok(onBus.some((e) => (e.data as { lifted?: string }).lifted === "revoked"));
          assert.ok(onBus.some((e) => (e.data as { lifted?: string }).lifted === "expired"));
        });
      } finally {
        for (const s of sockets) await s.close().catch(() => {});
        await sub?.close().catch(() => {});
        await tg.close();
      }
    },
  });
}
