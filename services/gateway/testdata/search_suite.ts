import assert from "node:assert/strict";
import { eventually, uniqueSuffix } from "@colink/testing";
import { chatClient, type ChatTarget } from "./chat_client.ts";

interface Hit {
  message: { id: string; content: string; channel_id: string | null };
  highlight: string;
  score: number;
}
interface Result {
  hits: Hit[];
  next_cursor: string | null;
}

/**
 * Search as shared/API.md promises it, whichever index answers: partial words and CJK
 * substrings, phrases, every filter as a parameter and as an inline operator, ranking with
 * highlights, pages; only conversations the caller can read at query time; deleted messages
 * never, edited ones by their current text only; files by name and type.
 */
export function searchSuite(mode: string, makeTarget: () => Promise<ChatTarget>): void {
  Deno.test({
    name: `search [${mode}]`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const tg = await makeTarget();
      try {
        const c = await chatClient(tg);
        const { call, ids } = c;
        const tag = uniqueSuffix().toLowerCase().replace(/[^a-z0-9]/g, "").slice(-8);
        const ws = await call<{ id: string }>("alice", "POST", "/api/v1/workspaces", {
          name: "Search",
          slug: `search-${tag}`,
        });
        const wid = ws.body.id;
        for (const u of ["bob", "carol"] as const) {
          await call("alice", "POST", `/api/v1/workspaces/${wid}/members`, { user_id: ids[u] });
        }
        const channel = async (name: string, isPrivate: boolean, members: ("bob" | "carol")[]) => {
          const ch = await call<{ id: string }>(
            "alice",
            "POST",
            `/api/v1/workspaces/${wid}/channels`,
            {
              name: `${name}-${tag}`,
              is_private: isPrivate,
            },
          );
          for (const u of members) {
            await call("alice", "POST", `/api/v1/channels/${ch.body.id}/members`, {
              user_id: ids[u],
            });
          }
          return ch.body.id;
        };
        const ops = await channel("ops", false, ["bob", "carol"]);
        const secret = await channel("secret", true, ["bob"]);
        const post = async (as: "alice" | "bob" | "carol", cid: string, content: string) => {
          const r = await call<{ id: string }>(as, "POST", `/api/v1/channels/${cid}/messages`, {
            content,
          });
          assert.equal(r.status, 201, JSON.stringify(r.body));
          return r.body.id;
        };
        const search = (as: "alice" | "bob" | "carol" | "grace", params: Record<string, string>) =>
          call<Result>(as, "GET", `/api/v1/search/messages?${new URLSearchParams(params)}`);
        const found = async (as: "alice" | "bob" | "carol" | "grace", q: string, extra = {}) =>
          (await search(as, { q, ...extra })).body.hits.map((h) => h.message.id);

        const word = `zq${tag}`; // a word no other test writes
        const deploy = await post("alice", ops, `The ${word} deployment finished without errors`);
        const redeploy = await post("bob", ops, `Planning a ${word} redeployment for Friday`);
        const cjk = await post("carol", ops, `${word} 東京タワーに行きました`);
        const hidden = await post("alice", secret, `${word} the launch codes are in the vault`);
        const root = await post("alice", ops, `${word} thread starter`);
        const reply =
          (await call<{ id: string }>("bob", "POST", `/api/v1/messages/${root}/replies`, {
            content: `${word} a reply in the thread`,
          })).body.id;
        await eventually(async () => assert.equal((await found("alice", word)).length, 6), {
          timeoutMs: 10_000,
        });

        await t.step(
          "partial words: a prefix or a piece of a word finds it; CJK substrings too",
          async () => {
            const hits = await found("alice", `${word} deploym`);
            assert.deepEqual(new Set(hits), new Set([deploy, redeploy]));
            assert.deepEqual(
              await found("alice", `${word} タワー`),
              [cjk],
              "a substring of a CJK sentence",
            );
            assert.deepEqual(await found("alice", "東京タワ"), [cjk]);
            const r = await search("alice", { q: `${word} deploym` });
            const first = r.body.hits.find((h) => h.message.id === deploy)!;
            assert.match(first.highlight, /<mark>deploym<\/mark>ent/i);
            assert.ok(first.score > 0);
          },
        );

        await t.step("phrases match in order; every word must match", async () => {
          assert.deepEqual(await found("alice", `${word} "finished without errors"`), [deploy]);
          assert.deepEqual(await found("alice", `${word} "errors without"`), []);
          assert.deepEqual(await found("alice", `${word} deploym friday`), [redeploy]);
        });

        await t.step(
          "filters, as parameters and inline: in, from, before, after, has, is",
          async () => {
            assert.deepEqual(
              new Set(await found("alice", word, { from: ids.bob })),
              new Set([redeploy, reply]),
            );
            assert.deepEqual(
              new Set(await found("alice", `${word} from:@bob`)),
              new Set([redeploy, reply]),
            );
            assert.deepEqual(await found("alice", `${word} in:#secret-${tag}`), [hidden]);
            assert.deepEqual(await found("alice", word, { in: secret }), [hidden]);
            assert.deepEqual(await found("alice", `${word} is:thread`), [reply]);
            assert.deepEqual(await found("alice", `${word} before:2000-01-01`), []);
            assert.equal((await found("alice", `${word} after:2000-01-01`)).length, 6);
            assert.deepEqual(await found("alice", `${word} has:file`), []);
            assert.equal((await search("alice", { q: word, before: "not-a-date" })).status, 400);
            assert.equal((await search("alice", { q: word, cursor: "garbage" })).status, 400);
          },
        );

        await t.step(
          "only what the caller can read now: a removal takes effect at once",
          async () => {
            assert.ok((await found("bob", word)).includes(hidden));
            assert.ok(
              !(await found("carol", word)).includes(hidden),
              "not a member of the private channel",
            );
            assert.deepEqual(await found("grace", word), [], "not in the workspace at all");
            assert.deepEqual(await found("carol", word, { in: secret }), [], "in: cannot reach in");
            await call("alice", "DELETE", `/api/v1/channels/${secret}/members/${ids.bob}`);
            assert.ok(!(await found("bob", word)).includes(hidden), "removed: not found any more");
          },
        );

        await t.step(
          "deleted messages are never found; edited ones by their current text only",
          async () => {
            await call("alice", "PATCH", `/api/v1/messages/${deploy}`, {
              content: `The ${word} rollout finished without errors`,
            });
            await call("bob", "DELETE", `/api/v1/messages/${redeploy}`);
            await eventually(async () => {
              assert.deepEqual(await found("alice", `${word} deploym`), []);
              assert.deepEqual(await found("alice", `${word} rollout`), [deploy]);
            }, { timeoutMs: 10_000 });
            const hit = (await search("alice", { q: `${word} rollout` })).body.hits[0]!;
            assert.match(hit.message.content, /rollout/);
          },
        );

        await t.step("pages: next_cursor walks every hit once", async () => {
          const seen: string[] = [];
          let cursor: string | null = null;
          do {
            const r: { body: Result } = await search("alice", {
              q: word,
              limit: "2",
              ...(cursor ? { cursor } : {}),
            });
            seen.push(...r.body.hits.map((h) => h.message.id));
            cursor = r.body.next_cursor;
          } while (cursor);
          assert.equal(seen.length, new Set(seen).size);
          assert.deepEqual(new Set(seen), new Set(await found("alice", word)));
        });

        await t.step("highlights are escaped text with <mark> only", async () => {
          const xss = await post("alice", ops, `${word} <img src=x onerror=alert(1)> danger`);
          await eventually(async () =>
            assert.ok((await found("alice", `${word} danger`)).includes(xss))
          );
          const h = (await search("alice", { q: `${word} danger` })).body.hits[0]!.highlight;
          assert.ok(!h.includes("<img"), h);
          assert.match(h, /&lt;img/);
          assert.match(h, /<mark>danger<\/mark>/);
        });

        await t.step(
          "files by name and type, members only, the uploader alone before attaching",
          async () => {
            const png = Uint8Array.from(
              atob(
                "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==",
              ),
              (ch) => ch.charCodeAt(0),
            );
            const upload = async (filename: string) => {
              const u = await call<
                { file_id: string; upload_url: string; headers: Record<string, string> }
              >(
                "alice",
                "POST",
                "/api/v1/files/upload-url",
                { filename, content_type: "image/png", size_bytes: png.length, channel_id: ops },
              );
              assert.equal(u.status, 201, JSON.stringify(u.body));
              const put = await fetch(u.body.upload_url, {
                method: "PUT",
                headers: u.body.headers,
                body: png,
              });
              await put.body?.cancel();
              assert.equal(
                (await call("alice", "POST", `/api/v1/files/${u.body.file_id}/confirm`)).status,
                200,
              );
              return u.body.file_id;
            };
            const attached = await upload(`quarterly-${tag}-report.png`);
            await call("alice", "POST", `/api/v1/channels/${ops}/messages`, {
              content: "",
              file_ids: [attached],
            });
            const loose = await upload(`quarterly-${tag}-draft.png`);
            const files = async (as: "alice" | "bob" | "grace", params: Record<string, string>) =>
              (await call<{ hits: { file: { id: string }; highlight: string }[] }>(
                as,
                "GET",
                `/api/v1/search/files?${new URLSearchParams(params)}`,
              )).body.hits;
            await eventually(async () => {
              assert.deepEqual(
                new Set((await files("alice", { q: `${tag}` })).map((h) => h.file.id)),
                new Set([attached, loose]),
              );
            }, { timeoutMs: 10_000 });
            assert.deepEqual(
              (await files("bob", { q: `quarterly-${tag}` })).map((h) => h.file.id),
              [attached],
            );
            assert.deepEqual(await files("grace", { q: tag }), []);
            assert.equal((await files("alice", { q: tag, type: "image/" })).length, 2);
            assert.equal((await files("alice", { q: tag, type: "application/pdf" })).length, 0);
            assert.match(
              (await files("bob", { q: `report` })).find((h) => h.file.id === attached)
                ?.highlight ?? "",
              /<mark>report<\/mark>/,
            );
            const viaOperator = await search("alice", { q: `${word} has:file` });
            assert.equal(viaOperator.status, 200);
          },
        );
      } finally {
        await tg.close();
      }
    },
  });
}
