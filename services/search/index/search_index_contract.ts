import assert from "node:assert/strict";
import type { IndexedMessage, MessageQuery, SearchIndex } from "./port.ts";

/**
 * What every search index adapter must do, run against each (PGlite, PostgreSQL, OpenSearch):
 * substring matching of words and phrases in any script, filters, the conversation restriction,
 * versioned writes that ignore older events, tombstones that an older update cannot revive,
 * ranking that prefers better matches, paging and files.
 */
export function searchIndexContract(
  name: string,
  make: () => Promise<{ index: SearchIndex; dispose(): Promise<void> }>,
): void {
  Deno.test({
    name: `search index contract [${name}]`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const { index, dispose } = await make();
      try {
        await index.prepare();
        const conv = crypto.randomUUID(), other = crypto.randomUUID();
        const ann = crypto.randomUUID(), ben = crypto.randomUUID();
        const now = new Date();
        const day = (n: number) => new Date(now.getTime() - n * 86_400_000);
        const msg = (content: string, o: Partial<IndexedMessage> = {}): IndexedMessage => ({
          message_id: crypto.randomUUID(),
          workspace_id: crypto.randomUUID(),
          conversation_id: conv,
          conversation_kind: "channel",
          user_id: ann,
          parent_id: null,
          content,
          has_file: false,
          created_at: day(1),
          version: 1,
          ...o,
        });
        const m = {
          deploy: msg("The deployment finished without errors"),
          redeploy: msg("Planning a redeployment", { user_id: ben, created_at: day(10) }),
          tokyo: msg("東京タワーに行きました", { has_file: true }),
          reply: msg("a deployment reply", {
            parent_id: crypto.randomUUID(),
            created_at: day(100),
          }),
          elsewhere: msg("deployment in another conversation", { conversation_id: other }),
        };
        await index.upsertMessages(Object.values(m));
        await index.refresh();
        const q = (o: Partial<MessageQuery>) =>
          index.searchMessages({
            terms: [],
            phrases: [],
            conversations: [conv],
            now,
            offset: 0,
            limit: 20,
            ...o,
          }).then((hits) => hits.map((h) => h.id));
        const set = (ids: string[]) => new Set(ids);

        await t.step("words match as prefixes and pieces of words, case-insensitive", async () => {
          assert.deepEqual(
            set(await q({ terms: ["DEPLOYM"] })),
            set([m.deploy.message_id, m.redeploy.message_id, m.reply.message_id]),
          );
          assert.deepEqual(await q({ terms: ["deploym", "errors"] }), [m.deploy.message_id]);
        });
        await t.step("a substring of a CJK sentence matches", async () => {
          assert.deepEqual(await q({ terms: ["タワー"] }), [m.tokyo.message_id]);
          assert.deepEqual(await q({ terms: ["東京"] }), [m.tokyo.message_id]);
        });
        await t.step("a term under three characters matches the start of a word", async () => {
          assert.deepEqual(
            set(await q({ terms: ["De"] })),
            set([m.deploy.message_id, m.reply.message_id]),
          );
          assert.deepEqual(await q({ terms: ["pl"] }), [m.redeploy.message_id]);
          assert.deepEqual(await q({ terms: ["ym"] }), []);
        });
        await t.step("phrases match in order only", async () => {
          assert.deepEqual(await q({ phrases: ["finished without"] }), [m.deploy.message_id]);
          assert.deepEqual(await q({ phrases: ["without finished"] }), []);
        });
        await t.step("filters: authors, dates, files, threads, conversations", async () => {
          assert.deepEqual(await q({ terms: ["deploym"], from: [ben] }), [m.redeploy.message_id]);
          assert.deepEqual(
            set(await q({ terms: ["deploym"], after: day(20) })),
            set([m.deploy.message_id, m.redeploy.message_id]),
          );
          assert.deepEqual(await q({ terms: ["deploym"], before: day(50) }), [m.reply.message_id]);
          assert.deepEqual(await q({ hasFile: true }), [m.tokyo.message_id]);
          assert.deepEqual(await q({ terms: ["deploym"], isThread: true }), [m.reply.message_id]);
          assert.ok(!(await q({ terms: ["deploym"] })).includes(m.elsewhere.message_id));
          assert.deepEqual(await q({ terms: ["deploym"], conversations: [other] }), [
            m.elsewhere.message_id,
          ]);
        });
        await t.step(
          "ranking: a whole-word match before a piece of a word; newer before older",
          async () => {
            const hits = await q({ terms: ["deployment"] });
            assert.ok(hits.indexOf(m.deploy.message_id) < hits.indexOf(m.redeploy.message_id));
            const third = crypto.randomUUID();
            const fresh = msg("release notes are ready", {
              conversation_id: third,
              created_at: day(1),
            });
            const old = msg("release notes are ready", {
              conversation_id: third,
              created_at: day(200),
            });
            await index.upsertMessages([old, fresh]);
            await index.refresh();
            assert.deepEqual(await q({ terms: ["release"], conversations: [third] }), [
              fresh.message_id,
              old.message_id,
            ]);
          },
        );
        await t.step("versions: an older event is ignored; a newer one replaces", async () => {
          await index.upsertMessages([{ ...m.deploy, content: "rolled out", version: 3 }]);
          await index.upsertMessages([{ ...m.deploy, content: "stale text", version: 2 }]);
          await index.refresh();
          assert.deepEqual(await q({ terms: ["rolled"] }), [m.deploy.message_id]);
          assert.deepEqual(await q({ terms: ["stale"] }), []);
          assert.ok(
            !(await q({ terms: ["errors"] })).includes(m.deploy.message_id),
            "edited: old text gone",
          );
        });
        await t.step("deletion is a tombstone an older update cannot revive", async () => {
          await index.deleteMessage(m.redeploy.message_id, 5);
          await index.upsertMessages([{ ...m.redeploy, version: 4 }]);
          await index.refresh();
          assert.ok(!(await q({ terms: ["redeploy"] })).includes(m.redeploy.message_id));
        });
        await t.step("paging: offset and limit, one extra hit tells there is more", async () => {
          const all = await q({ terms: ["deploym"], conversations: [conv, other] });
          const first = await q({ terms: ["deploym"], conversations: [conv, other], limit: 1 });
          assert.equal(first.length, 2, "limit + 1");
          const second = await q({
            terms: ["deploym"],
            conversations: [conv, other],
            limit: 1,
            offset: 1,
          });
          assert.deepEqual([first[0], second[0]], all.slice(0, 2));
        });
        await t.step("paging goes on past the first ranked tier, each match once", async () => {
          const many = crypto.randomUUID();
          const docs = Array.from({ length: 450 }, (_, i) =>
            msg(`bulk zebra note ${i}`, {
              conversation_id: many,
              created_at: new Date(now.getTime() - i * 3_600_000),
            }));
          await index.upsertMessages(docs);
          await index.refresh();
          const seen: string[] = [];
          for (let offset = 0;; offset += 35) {
            const hits = await q({ terms: ["zebra"], conversations: [many], offset, limit: 35 });
            seen.push(...hits.slice(0, 35));
            if (hits.length <= 35) break;
          }
          assert.equal(seen.length, 450);
          assert.equal(new Set(seen).size, 450, "no match twice");
          assert.deepEqual(new Set(seen), new Set(docs.map((d) => d.message_id)));
        });
        await t.step("files by name pieces, type and uploader; removable", async () => {
          const f = (filename: string, content_type: string, uploader_id = ann) => ({
            file_id: crypto.randomUUID(),
            workspace_id: crypto.randomUUID(),
            conversation_id: conv,
            uploader_id,
            filename,
            content_type,
            size_bytes: 10,
            created_at: day(1),
            version: 1,
          });
          const report = f("Quarterly-Report.pdf", "application/pdf");
          const photo = f("team-photo.png", "image/png", ben);
          await index.upsertFiles([report, photo]);
          await index.refresh();
          const files = (o: { terms?: string[]; type?: string; from?: string[] }) =>
            index.searchFiles({ terms: [], conversations: [conv], now, offset: 0, limit: 10, ...o })
              .then((h) => h.map((x) => x.id));
          assert.deepEqual(await files({ terms: ["report"] }), [report.file_id]);
          assert.deepEqual(await files({ type: "image/" }), [photo.file_id]);
          assert.deepEqual(await files({ type: "application/pdf" }), [report.file_id]);
          assert.deepEqual(await files({ from: [ben] }), [photo.file_id]);
          await index.deleteFile(photo.file_id);
          await index.refresh();
          assert.deepEqual(await files({ type: "image/" }), []);
        });
      } finally {
        await dispose();
      }
    },
  });
}
