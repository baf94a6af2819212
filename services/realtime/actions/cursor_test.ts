import assert from "node:assert/strict";
import { decideRecovery, decodeCursor, encodeCursor, type Recovery } from "./cursor.ts";

const EPOCH = "0b6f3f9e-3c3a-4c43-9a0e-6f1c8a0d2b11";
const state = { epoch: EPOCH, head: 1_000, prunedThrough: 100 };

Deno.test("decideRecovery() resumes only what it can deliver in full", async (t) => {
  const cases: [string, string | undefined, Recovery][] = [
    ["no cursor: a fresh start", undefined, { kind: "fresh" }],
    ["a gap inside the retention", `${EPOCH}.500`, { kind: "resume", after: 500 }],
    ["nothing missed", `${EPOCH}.1000`, { kind: "resume", after: 1_000 }],
    ["exactly at the deleted edge", `${EPOCH}.100`, { kind: "resume", after: 100 }],
    ["retention passed", `${EPOCH}.99`, { kind: "resync", reason: "retention" }],
    ["epoch changed (history lost)", `${crypto.randomUUID()}.500`, {
      kind: "resync",
      reason: "epoch",
    }],
    ["a position the stream never had", `${EPOCH}.1001`, { kind: "resync", reason: "ahead" }],
    ["tampered", `${EPOCH}.5x`, { kind: "resync", reason: "malformed" }],
    ["negative", `${EPOCH}.-1`, { kind: "resync", reason: "malformed" }],
    ["garbage", "hello", { kind: "resync", reason: "malformed" }],
    ["too large to be exact", `${EPOCH}.99999999999999999`, {
      kind: "resync",
      reason: "malformed",
    }],
  ];
  for (const [name, cursor, want] of cases) {
    await t.step(name, () => assert.deepEqual(decideRecovery(cursor, state), want));
  }
});

Deno.test("a cursor is URL-safe, constant-size and round-trips", () => {
  const c = encodeCursor({ epoch: EPOCH, position: 123_456_789 });
  assert.equal(c, encodeURIComponent(c));
  assert.ok(c.length < 60);
  assert.deepEqual(decodeCursor(c), { epoch: EPOCH, position: 123_456_789 });
});
