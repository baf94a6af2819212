import assert from "node:assert/strict";
import type { LocalMessage } from "../state/timeline.ts";
import { menuItems } from "./MessageMenu.tsx";

const m = (over: Partial<LocalMessage>): LocalMessage => ({
  id: "m1",
  channel_id: "c1",
  dm_id: null,
  user_id: "u2",
  content: "hi",
  created_at: "2026-12-02T12:00:00Z",
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
  seq: 1,
  ...over,
});
const labels = (
  msg: LocalMessage,
  o: { mine?: boolean; moderator?: boolean; inThread?: boolean },
) => menuItems(msg, { mine: false, moderator: false, inThread: false, ...o }).map((i) => i.label);

Deno.test("the message menu: report others' messages; moderators lock and unlock thread roots", () => {
  assert.deepEqual(labels(m({}), {}), ["Report message"]);
  assert.deepEqual(labels(m({}), { mine: true }), []);
  // A message nobody replied to is no thread (yet), except the one a thread panel is about.
  assert.deepEqual(labels(m({}), { moderator: true }), ["Report message"]);
  assert.deepEqual(labels(m({ reply_count: 2 }), { moderator: true }), [
    "Lock thread",
    "Report message",
  ]);
  assert.deepEqual(labels(m({}), { moderator: true, inThread: true, mine: true }), ["Lock thread"]);
  assert.deepEqual(
    labels(m({ reply_count: 1, thread_locked_at: "2026-12-02T12:00:00Z" }), { moderator: true }),
    ["Unlock thread", "Report message"],
  );
  // Replies are not thread roots.
  assert.deepEqual(labels(m({ parent_id: "p" }), { moderator: true, inThread: true }), [
    "Report message",
  ]);
  assert.deepEqual(labels(m({ reply_count: 3 }), { moderator: false }), ["Report message"]);
});
