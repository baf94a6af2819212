import assert from "node:assert/strict";
import { makeEvent, parseEvent } from "./events.ts";

const ids = { a: crypto.randomUUID(), b: crypto.randomUUID(), c: crypto.randomUUID() };

Deno.test("makeEvent() wraps a valid seed payload in an envelope keyed by aggregate", () => {
  const ev = makeEvent("file.uploaded", ids.b, {
    file_id: ids.a,
    uploader_id: ids.c,
    channel_id: ids.b,
    filename: "notes.txt",
    size_bytes: 12,
    timestamp: new Date().toISOString(),
    conversation_type: "channel",
    workspace_id: ids.c,
    content_type: "text/plain",
    version: 1,
  });
  assert.equal(ev.type, "file.uploaded");
  assert.equal(ev.aggregate_id, ids.b);
  assert.deepEqual(parseEvent(JSON.parse(JSON.stringify(ev))), ev);
});

Deno.test("makeEvent() rejects a payload that breaks the seed schema", () => {
  assert.throws(
    () =>
      makeEvent("moderation.action", ids.a, {
        action_id: ids.a,
        moderator_id: ids.b,
        action_type: "shame" as "warn",
        target_user_id: ids.c,
        reason: "x",
        timestamp: new Date().toISOString(),
      }),
    /action_type/,
  );
});

Deno.test("parseEvent() rejects an unknown event type", () => {
  assert.throws(() =>
    parseEvent({
      id: ids.a,
      type: "message.exploded",
      aggregate_id: "x",
      occurred_at: new Date().toISOString(),
      data: {},
    })
  );
});
