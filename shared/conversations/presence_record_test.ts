import assert from "node:assert/strict";
import { createMemoryKeyValue } from "@colink/platform";
import {
  PRESENCE_FIELD_TTL_MS,
  presenceOf,
  readPresenceRecord,
  writeInstancePresence,
} from "./presence_record.ts";

Deno.test("presenceOf(): online beats away beats offline, across instances' fields", () => {
  const now = 1_000_000;
  const live = now + 10_000;
  assert.equal(
    presenceOf({ "i:a": `away ${live}`, "i:b": `online ${live}` }, now).status,
    "online",
  );
  assert.equal(presenceOf({ "i:a": `away ${live}`, "i:b": "offline 0" }, now).status, "away");
  assert.equal(presenceOf({ "i:a": "offline 0", last_seen: "x" }, now).status, "offline");
  assert.deepEqual(presenceOf({}, now), { status: "offline", last_seen: null });
});

Deno.test("an instance that stops refreshing (crashed) lapses by itself; the others still count", async () => {
  const kv = createMemoryKeyValue();
  const t0 = Date.now();
  await writeInstancePresence(kv, "u1", "crashed", "online", t0 - PRESENCE_FIELD_TTL_MS - 1);
  assert.equal((await readPresenceRecord(kv, "u1")).status, "offline", "its field expired");
  await writeInstancePresence(kv, "u1", "alive", "away", t0);
  assert.equal((await readPresenceRecord(kv, "u1")).status, "away");
  await writeInstancePresence(kv, "u1", "alive", "offline", t0);
  const r = await readPresenceRecord(kv, "u1");
  assert.equal(r.status, "offline");
  assert.equal(r.last_seen, new Date(t0).toISOString());
  await kv.close();
});
