import assert from "node:assert/strict";
import type { Message } from "../api/endpoints.ts";
import {
  applyReaction,
  localId,
  type LocalMessage,
  mergeMessages,
  newestServerMessage,
  reconcile,
} from "./timeline.ts";

let n = 0;
function msg(over: Partial<Message> = {}): Message {
  n++;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    channel_id: "c",
    dm_id: null,
    user_id: "u1",
    content: `m${n}`,
    created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    edited_at: null,
    deleted_at: null,
    parent_id: null,
    reply_count: 0,
    last_reply_at: null,
    thread_locked_at: null,
    reactions: [],
    mentions: [],
    files: [],
    client_msg_id: null,
    seq: n,
    ...over,
  };
}

Deno.test("mergeMessages() is idempotent by id and keeps server order by position", () => {
  const a = msg(), b = msg(), c = msg();
  const once = mergeMessages([], [c, a, b]);
  assert.deepEqual(once.map((m) => m.id), [a.id, b.id, c.id]);
  const twice = mergeMessages(once, [b, a, c]);
  assert.equal(twice, once, "nothing new: the same array, so nothing re-renders");
  assert.equal(mergeMessages(once, [{ ...b }]).length, 3, "an event after a poll: no duplicate");
});

Deno.test("a server message replaces the local echo with its client_msg_id", () => {
  const existing = msg();
  const echo: LocalMessage = {
    ...msg({ client_msg_id: "k1", seq: 0 }),
    id: localId("k1"),
    local: { state: "pending" },
  };
  const held = mergeMessages([existing], []).concat(echo);
  const stored = msg({ client_msg_id: "k1", content: echo.content });
  const merged = mergeMessages(held, [stored]);
  assert.deepEqual(merged.map((m) => m.id), [existing.id, stored.id]);
  assert.equal(merged[1]!.local, undefined);
});

Deno.test("local echoes stay below the messages the server has ordered", () => {
  const echo: LocalMessage = { ...msg({ seq: 0 }), id: localId("x"), local: { state: "failed" } };
  const later = msg();
  const merged = mergeMessages([echo], [later]);
  assert.deepEqual(merged.map((m) => m.id), [later.id, echo.id]);
  assert.equal(newestServerMessage(merged)?.id, later.id);
});

Deno.test("reconcile(): a late stale copy never undoes an edit or a deletion", () => {
  const base = msg();
  const edited = { ...base, content: "new", edited_at: "2026-01-02T00:00:00.000Z" };
  const staleWithReaction = { ...base, reactions: [{ emoji: "👍", count: 1, user_ids: ["u2"] }] };
  const kept = reconcile(edited, staleWithReaction);
  assert.equal(kept.content, "new");
  assert.deepEqual(
    kept.reactions,
    staleWithReaction.reactions,
    "counters come from the newest copy",
  );
  const deleted = { ...base, content: "", deleted_at: "2026-01-03T00:00:00.000Z" };
  assert.equal(reconcile(deleted, edited).deleted_at, deleted.deleted_at);
  assert.equal(reconcile(deleted, edited).content, "");
});

Deno.test("applyReaction() adds and removes once per person", () => {
  const m = msg();
  const one = applyReaction(m, "🎉", "u2", true);
  assert.deepEqual(one.reactions, [{ emoji: "🎉", count: 1, user_ids: ["u2"] }]);
  assert.equal(applyReaction(one, "🎉", "u2", true), one, "added twice: unchanged");
  const two = applyReaction(one, "🎉", "u3", true);
  assert.equal(two.reactions[0]!.count, 2);
  const back = applyReaction(applyReaction(two, "🎉", "u2", false), "🎉", "u3", false);
  assert.deepEqual(back.reactions, [], "the last one out removes the emoji");
  assert.equal(applyReaction(back, "🎉", "u3", false), back, "removed twice: unchanged");
});
