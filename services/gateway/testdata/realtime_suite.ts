import assert from "node:assert/strict";
import type { Sql } from "@colink/platform";
import { eventually, passwordGrant, sleep, uniqueSuffix } from "@colink/testing";

/** A running CoLink: the API, one or more realtime instances, its database. */
export interface RealtimeTarget {
  api: string;
  tokenUrl: string;
  /** ws:// bases of the realtime instances (one in embedded mode). */
  sockets: string[];
  sql: Sql;
  /** Sends instance i a real SIGTERM and waits for it to exit (distributed mode only). */
  stopInstance?(i: number): Promise<void>;
  close(): Promise<void>;
}

export interface Frame {
  type: string;
  cursor?: string;
  event?: string;
  data?: Record<string, unknown>;
}

/** A test client: one socket, every frame it received, the close code. */
export class Client {
  frames: Frame[] = [];
  closeCode: number | undefined;
  #ws: WebSocket;
  #opened: Promise<void>;
  #closed: Promise<void>;
  constructor(url: string) {
    this.#ws = new WebSocket(url);
    this.#opened = new Promise((resolve, reject) => {
      this.#ws.onopen = () => resolve();
      this.#ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
    this.#closed = new Promise((resolve) => {
      this.#ws.onclose = (e) => {
        this.closeCode = e.code;
        resolve();
      };
    });
    this.#ws.onmessage = (e) => this.frames.push(JSON.parse(e.data));
  }
  async auth(token: string, resume?: string): Promise<Frame> {
    await this.#opened;
    this.#ws.send(JSON.stringify({ type: "auth", token, ...(resume ? { resume } : {}) }));
    return await eventually(() => {
      const hello = this.frames.find((f) => f.type === "hello");
      assert.ok(hello, "hello");
      return hello;
    });
  }
  opened(): Promise<void> {
    return this.#opened;
  }
  send(frame: unknown): void {
    this.#ws.send(JSON.stringify(frame));
  }
  events(name?: string): Frame[] {
    return this.frames.filter((f) => f.type === "event" && f.cursor && (!name || f.event === name));
  }
  lastCursor(): string | undefined {
    return this.frames.filter((f) => f.cursor).at(-1)?.cursor;
  }
  async close(): Promise<void> {
    this.#ws.close();
    await this.#closed;
  }
  closed(): Promise<void> {
    return this.#closed;
  }
}

const position = (f: Frame) => Number(f.cursor!.split(".")[1]);

/**
 * The realtime promises of shared/API.md ("WebSocket"): a user gets the durable events of their
 * conversations and nothing else, joins and removals take effect at once, a resume delivers
 * every missed event exactly once and in order (or says resync_required), and a client that
 * keeps reconnecting while many people write ends up with exactly what the database holds.
 */
export function realtimeSuite(mode: string, makeTarget: () => Promise<RealtimeTarget>): void {
  Deno.test({
    name: `realtime [${mode}]`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const tg = await makeTarget();
      const clients: Client[] = [];
      try {
        const tokens: Record<string, string> = {};
        const ids: Record<string, string> = {};
        const call = async (as: string, method: string, path: string, body?: unknown) => {
          const res = await fetch(`${tg.api}${path}`, {
            method,
            headers: {
              authorization: `Bearer ${tokens[as]}`,
              ...(body ? { "content-type": "application/json" } : {}),
            },
            body: body ? JSON.stringify(body) : undefined,
          });
          const text = await res.text();
          return { status: res.status, body: text ? JSON.parse(text) : undefined };
        };
        for (const u of ["alice", "bob", "carol", "frank", "erin", "grace"]) {
          const g = await passwordGrant(fetch, tg.tokenUrl, u);
          tokens[u] = g.body.access_token as string;
          ids[u] = (await call(u, "GET", "/api/v1/me")).body.id;
        }
        const connect = async (u: string, resume?: string, instance = 0) => {
          const c = new Client(`${tg.sockets[instance % tg.sockets.length]}/ws`);
          clients.push(c);
          await c.auth(tokens[u]!, resume);
          return c;
        };
        const slug = `rt-${uniqueSuffix().toLowerCase().replace(/[^a-z0-9]/g, "").slice(-10)}`;
        const ws = await call("alice", "POST", "/api/v1/workspaces", { name: "RT", slug });
        assert.equal(ws.status, 201);
        const wid = ws.body.id;
        for (const u of ["bob", "carol", "frank"]) {
          await call("alice", "POST", `/api/v1/workspaces/${wid}/members`, { user_id: ids[u] });
        }
        // erin is a guest: in the workspace, in none of its conversations.
        await call("alice", "POST", `/api/v1/workspaces/${wid}/members`, {
          user_id: ids.erin,
          role: "guest",
        });
        const p = (await call("alice", "POST", `/api/v1/workspaces/${wid}/channels`, {
          name: "private",
          is_private: true,
        })).body.id as string;
        await call("alice", "POST", `/api/v1/channels/${p}/members`, { user_id: ids.bob });
        const send = async (as: string, cid: string, content: string) => {
          const r = await call(as, "POST", `/api/v1/channels/${cid}/messages`, { content });
          assert.equal(r.status, 201, JSON.stringify(r.body));
          return r.body as { id: string };
        };

        await t.step(
          "a user receives the events of their conversations and nothing else",
          async () => {
            const bob = await connect("bob");
            const carol = await connect("carol", undefined, 1);
            const m = await send("alice", p, "for private eyes");
            await eventually(() =>
              assert.ok(bob.events("message.created").some((f) => f.data!.id === m.id))
            );
            const dm = (await call("alice", "POST", `/api/v1/workspaces/${wid}/dms`, {
              user_ids: [ids.carol],
            })).body.id;
            await call("alice", "POST", `/api/v1/dms/${dm}/messages`, { content: "just carol" });
            await eventually(() =>
              assert.ok(
                carol.events("message.created").some((f) => f.data!.content === "just carol"),
              )
            );
            await sleep(200);
            assert.ok(
              !carol.events().some((f) => f.data!.channel_id === p || f.data!.id === m.id),
              "carol is not in the private channel",
            );
            assert.ok(
              !bob.events().some((f) => f.data!.content === "just carol"),
              "bob is not in the DM",
            );
            const created = bob.events("message.created").find((f) => f.data!.id === m.id)!;
            assert.equal(
              created.data!.content,
              "for private eyes",
              "data is the message as REST returns it",
            );
            await bob.close();
            await carol.close();
          },
        );

        await t.step(
          "joining starts the flow at once; a removal is delivered and stops it, queued events included",
          async () => {
            const carol = await connect("carol");
            await call("alice", "POST", `/api/v1/channels/${p}/members`, { user_id: ids.carol });
            const after = await send("alice", p, "welcome carol");
            await eventually(() => {
              assert.ok(carol.events("channel.member_joined").length === 1);
              assert.ok(carol.events("message.created").some((f) => f.data!.id === after.id));
            });
            const removed = await call(
              "alice",
              "DELETE",
              `/api/v1/channels/${p}/members/${ids.carol}`,
            );
            assert.equal(removed.status, 204);
            const secret = await send("alice", p, "after carol left");
            await eventually(() => assert.equal(carol.events("channel.member_left").length, 1));
            await sleep(300);
            assert.ok(
              !carol.events().some((f) => f.data!.id === secret.id),
              "nothing after the removal",
            );
            await carol.close();
          },
        );

        await t.step("read.updated reaches the user's other devices and nobody else", async () => {
          const [b1, b2, alice] = [
            await connect("bob"),
            await connect("bob", undefined, 1),
            await connect("alice"),
          ];
          const m = await send("alice", p, "read me");
          await eventually(() =>
            assert.ok(b1.events("message.created").some((f) => f.data!.id === m.id))
          );
          assert.equal(
            (await call("bob", "POST", `/api/v1/channels/${p}/read`, { message_id: m.id })).status,
            200,
          );
          await eventually(() => {
            assert.equal(b1.events("read.updated").length, 1);
            assert.equal(b2.events("read.updated").length, 1);
          });
          await sleep(200);
          assert.equal(alice.events("read.updated").length, 0);
          await Promise.all([b1.close(), b2.close(), alice.close()]);
        });

        await t.step("resume: every missed event exactly once, in order, then live", async () => {
          const bob = await connect("bob");
          await send("alice", p, "before");
          await eventually(() => assert.ok(bob.events().length >= 1));
          const cursor = bob.lastCursor()!;
          await bob.close();
          const missed: string[] = [];
          for (let i = 0; i < 5; i++) missed.push((await send("alice", p, `missed ${i}`)).id);
          await call("alice", "PATCH", `/api/v1/messages/${missed[0]}`, {
            content: "missed 0 (edited)",
          });
          await call("alice", "PUT", `/api/v1/messages/${missed[1]}/reactions/%F0%9F%91%8D`);
          await call("alice", "DELETE", `/api/v1/messages/${missed[2]}`);
          const back = await connect("bob", cursor, 1);
          await eventually(() => assert.equal(back.events().length, 8));
          assert.deepEqual(
            back.events().map((f) => f.event),
            [
              ...Array(5).fill("message.created"),
              "message.updated",
              "reaction.added",
              "message.deleted",
            ],
          );
          const positions = back.events().map(position);
          assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
          assert.ok(
            positions[0]! > position({ type: "event", cursor }),
            "nothing from before the cursor",
          );
          const live = await send("alice", p, "live again");
          await eventually(() => assert.ok(back.events().some((f) => f.data!.id === live.id)));
          assert.equal(
            new Set(back.events().map((f) => f.cursor)).size,
            back.events().length,
            "no duplicates",
          );
          await back.close();
        });

        await t.step(
          "resume replays membership changes and read markers too, in order",
          async () => {
            const bob = await connect("bob");
            const cursor = bob.frames.find((f) => f.type === "hello")!.cursor!;
            await bob.close();
            const m = await send("alice", p, "while bob is away");
            await call("alice", "POST", `/api/v1/channels/${p}/members`, { user_id: ids.carol });
            await call("alice", "DELETE", `/api/v1/channels/${p}/members/${ids.carol}`);
            // bob reads on another device meanwhile: this one must clear its badge on return.
            await call("bob", "POST", `/api/v1/channels/${p}/read`, { message_id: m.id });
            const back = await connect("bob", cursor, 1);
            await eventually(() => assert.equal(back.events().length, 4));
            assert.deepEqual(back.events().map((f) => f.event), [
              "message.created",
              "channel.member_joined",
              "channel.member_left",
              "read.updated",
            ]);
            assert.equal(back.events()[1]!.data!.user_id, ids.carol);
            await back.close();
          },
        );

        await t.step(
          "user.updated (profile, status) reaches the user's own devices and nobody else",
          async () => {
            const [b1, b2, alice] = [
              await connect("bob"),
              await connect("bob", undefined, 1),
              await connect("alice"),
            ];
            const name = `Bob ${uniqueSuffix()}`;
            assert.equal(
              (await call("bob", "PATCH", "/api/v1/me", { display_name: name })).status,
              200,
            );
            assert.equal(
              (await call("bob", "PUT", "/api/v1/me/status", {
                status_text: "in a meeting",
                status_emoji: "📅",
              })).status,
              200,
            );
            await eventually(() => {
              for (const c of [b1, b2]) {
                const got = c.events("user.updated");
                assert.equal(got.length, 2);
                assert.equal(got[0]!.data!.display_name, name);
                assert.equal(got[0]!.data!.user_id, ids.bob);
              }
            });
            await sleep(200);
            assert.equal(alice.events("user.updated").length, 0);
            await Promise.all([b1.close(), b2.close(), alice.close()]);
          },
        );

        await t.step(
          "resync_required for a tampered, unknown-epoch, future or pruned cursor",
          async () => {
            const bob = await connect("bob");
            const hello = bob.frames.find((f) => f.type === "hello") as { cursor: string };
            await bob.close();
            const [epoch, pos] = hello.cursor.split(".") as [string, string];
            const cases: [string, string, boolean][] = [
              ["valid", hello.cursor, false],
              ["tampered", `${epoch}.${pos}x`, true],
              ["another epoch", `${crypto.randomUUID()}.${pos}`, true],
              ["a position that never existed", `${epoch}.${Number(pos) + 1_000_000}`, true],
            ];
            for (const [name, cursor, resync] of cases) {
              const c = await connect("bob", cursor);
              await sleep(150);
              assert.equal(c.frames.some((f) => f.type === "resync_required"), resync, name);
              await c.close();
            }
            await tg.sql.query("update event_stream set pruned_through = $1", [Number(pos) + 1]);
            try {
              const c = await connect("bob", hello.cursor);
              await eventually(() =>
                assert.ok(c.frames.some((f) => f.type === "resync_required"), "retention passed")
              );
              await c.close();
            } finally {
              await tg.sql.query("update event_stream set pruned_through = 0");
            }
          },
        );

        await t.step(
          "a user in 2,000 channels resumes with a cursor of constant size",
          async () => {
            await tg.sql.query(
              `with made as (
               insert into channels (workspace_id, name, is_private)
               select $1, 'many-' || g, true from generate_series(1, 2000) g returning id)
             insert into channel_members (channel_id, user_id)
             select id, $2::uuid from made union all select id, $3::uuid from made`,
              [wid, ids.carol, ids.alice],
            );
            const carol = await connect("carol");
            const hello = carol.frames.find((f) => f.type === "hello") as { cursor: string };
            assert.ok(hello.cursor.length < 64, `cursor ${hello.cursor}`);
            await carol.close();
            const [last] = await tg.sql.query<{ id: string }>(
              "select id from channels where workspace_id = $1 and name = 'many-2000'",
              [wid],
            );
            const m = await send("alice", last!.id, "in the 2000th channel");
            const back = await connect("carol", hello.cursor, 1);
            await eventually(() => assert.ok(back.events().some((f) => f.data!.id === m.id)));
            await back.close();
          },
        );

        await t.step("a second auth frame renews the credentials on the open socket", async () => {
          const bob = await connect("bob");
          const fresh = (await passwordGrant(fetch, tg.tokenUrl, "bob")).body
            .access_token as string;
          bob.send({ type: "auth", token: fresh });
          await eventually(() => assert.ok(bob.frames.some((f) => f.type === "auth_renewed")));
          bob.send({ type: "auth", token: tokens.alice });
          await bob.closed();
          assert.equal(bob.closeCode, 4401, "someone else's token on my socket");
        });

        await t.step("typing reaches the channel's other members, not outsiders", async () => {
          const [alice, bob, carol] = [
            await connect("alice"),
            await connect("bob", undefined, 1),
            await connect("carol"),
          ];
          bob.send({ type: "typing", channel_id: p });
          await eventually(() =>
            assert.ok(alice.frames.some((f) => f.event === "typing" && f.data!.user_id === ids.bob))
          );
          await sleep(200);
          assert.ok(!carol.frames.some((f) => f.event === "typing"));
          assert.ok(!bob.frames.some((f) => f.event === "typing"), "not echoed to the typist");
          const presence = await call(
            "alice",
            "GET",
            `/api/v1/presence?user_ids=${ids.bob},${ids.frank}`,
          );
          assert.equal(presence.status, 200);
          assert.equal(presence.body[ids.bob!].status, "online");
          assert.equal(presence.body[ids.frank!].status, "offline");
          await Promise.all([alice.close(), bob.close(), carol.close()]);
          await eventually(async () => {
            const after = await call("alice", "GET", `/api/v1/presence?user_ids=${ids.bob}`);
            assert.equal(
              after.body[ids.bob!].status,
              "offline",
              "offline once the last socket closed",
            );
          });
        });

        await t.step(
          "presence: online while any device is connected on any instance; heard across the workspace",
          async () => {
            const presenceOf = async (u: string) =>
              (await call("alice", "GET", `/api/v1/presence?user_ids=${ids[u]}`)).body[ids[u]!];
            const heard = (c: Client, status: string) =>
              c.frames.filter((f) =>
                f.event === "presence.updated" && f.data!.user_id === ids.bob &&
                f.data!.status === status
              ).length;
            const [erin, grace] = [await connect("erin"), await connect("grace", undefined, 1)];
            const b1 = await connect("bob", undefined, 1);
            await eventually(() =>
              assert.equal(heard(erin, "online"), 1, "a guest of the workspace")
            );
            const b2 = await connect("bob", undefined, 0);
            await b1.close();
            await sleep(300);
            assert.equal((await presenceOf("bob")).status, "online", "a device is still connected");
            assert.equal(heard(erin, "offline"), 0, "no offline while another device is on");
            b2.send({ type: "presence", status: "away" });
            await eventually(async () => {
              assert.equal((await presenceOf("bob")).status, "away");
              assert.equal(heard(erin, "away"), 1);
            });
            await b2.close();
            await eventually(async () => {
              const now = await presenceOf("bob");
              assert.equal(now.status, "offline");
              assert.ok(now.last_seen, "last_seen once the last device closed");
              assert.equal(heard(erin, "offline"), 1);
            });
            // grace hears bob only if she shares a workspace with him (the embedded dev data puts
            // every dev user in `colink`; in distributed mode she is in none of bob's).
            const [shared] = await tg.sql.query<{ n: number }>(
              `select count(*)::int as n from workspace_members a join workspace_members b
                 on a.workspace_id = b.workspace_id where a.user_id = $1 and b.user_id = $2`,
              [ids.grace, ids.bob],
            );
            assert.equal(
              heard(grace, "online") > 0,
              shared!.n > 0,
              "outside the workspace: nothing",
            );
            await Promise.all([erin.close(), grace.close()]);
          },
        );

        await t.step(
          "more frames than the per-user budget close the socket with 4429",
          async () => {
            const frank = await connect("frank");
            for (let i = 0; i < 40; i++) frank.send({ type: "ping" });
            await frank.closed();
            assert.equal(frank.closeCode, 4429);
          },
        );

        await t.step(
          "many writers while a client keeps reconnecting: it sees exactly what the database holds, once and in order",
          async () => {
            // Six concurrent writers (two people, three streams each), so commits interleave.
            const writers = ["alice", "bob", "alice", "bob", "alice", "bob"];
            await call("alice", "POST", `/api/v1/channels/${p}/members`, { user_id: ids.frank });
            let done = false;
            const sent: string[] = [];
            // Start from a cursor taken before the first message of the burst.
            const first = await connect("frank");
            let cursor: string | undefined = (first.frames.find((f) => f.type === "hello") as {
              cursor: string;
            }).cursor;
            await first.close();
            const writing = Promise.all(writers.map(async (w, k) => {
              for (let i = 0; i < 40; i++) {
                sent.push((await send(w, p, `${w} burst ${k}.${i}`)).id);
              }
            })).finally(() => (done = true));
            const seen: Frame[] = [];
            let i = 0;
            while (!done) {
              const c = await connect("frank", cursor, i++);
              await sleep(15 + Math.random() * 60);
              await c.close();
              seen.push(...c.events());
              cursor = c.lastCursor() ?? cursor;
            }
            await writing;
            const last = await connect("frank", cursor, i);
            await eventually(() => {
              const got = new Set(
                [...seen, ...last.events()].filter((f) => f.event === "message.created").map((f) =>
                  f.data!.id
                ),
              );
              assert.deepEqual(sent.filter((id) => !got.has(id)), [], "every message arrives");
            }, { timeoutMs: 15_000 });
            const all = [...seen, ...last.events()];
            const positions = all.map(position);
            assert.deepEqual(
              positions,
              [...positions].sort((a, b) => a - b),
              "in order across reconnects",
            );
            assert.equal(new Set(positions).size, positions.length, "exactly once");
            const [db] = await tg.sql.query<{ n: number }>(
              "select count(*)::int as n from messages where channel_id = $1 and content like '% burst %'",
              [p],
            );
            assert.equal(
              all.filter((f) =>
                f.event === "message.created" && String(f.data!.content).includes(" burst ")
              ).length,
              db!.n,
            );
            assert.ok(i > 3, `the client reconnected ${i} times`);
            await last.close();
          },
        );

        if (tg.stopInstance && tg.sockets.length > 1) {
          await t.step(
            "SIGTERM: the instance closes every socket with 1012; clients resume on another without loss",
            async () => {
              // Many sockets on the stopping instance: every one must be told 1012 (not 1001 or a
              // reset) and every one must find what was sent meanwhile on the other instance.
              const many = await Promise.all(
                Array.from(
                  { length: 60 },
                  (_, i) => connect(i % 2 ? "bob" : "frank", undefined, 0),
                ),
              );
              const before = await send("alice", p, "before the restart");
              await eventually(() =>
                many.forEach((c) => assert.ok(c.events().some((f) => f.data!.id === before.id)))
              );
              const stopping = tg.stopInstance!(0);
              await Promise.all(many.map((c) => c.closed()));
              assert.deepEqual(
                [...new Set(many.map((c) => c.closeCode))],
                [1012],
                "every socket is told to resume elsewhere",
              );
              const during = await send("alice", p, "while moving");
              await stopping;
              const after = await send("alice", p, "after the restart");
              const moved = await Promise.all(
                many.map((c, i) => connect(i % 2 ? "bob" : "frank", c.lastCursor(), 1)),
              );
              await eventually(() =>
                moved.forEach((c) => {
                  const ids = c.events("message.created").map((f) => f.data!.id);
                  assert.deepEqual(
                    ids.filter((id) => id === during.id || id === after.id),
                    [during.id, after.id],
                  );
                })
              );
              for (const c of moved) {
                assert.equal(
                  c.events().filter((f) => f.data!.id === before.id).length,
                  0,
                  "nothing twice",
                );
              }
              await Promise.all(moved.map((c) => c.close()));
            },
          );
        }
      } finally {
        for (const c of clients) await c.close().catch(() => {});
        await tg.close();
      }
    },
  });
}
