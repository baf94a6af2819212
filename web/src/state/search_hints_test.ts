import assert from "node:assert/strict";
import {
  applyHint,
  type HintContext,
  isDay,
  isoDay,
  searchHints,
  tokenAt,
} from "./search_hints.ts";

const ctx: HintContext = {
  channels: [{ name: "random" }, { name: "general" }, { name: "gen-ops", is_private: true }, {
    name: "design-general",
  }],
  people: [
    { username: "alice", display_name: "Alice Liddell" },
    { username: "bob", display_name: "Bob Builder" },
    { username: "carol", display_name: "Carol Danvers" },
  ],
  today: new Date(2026, 2, 9, 15, 30), // 9 March 2026, local time
};
const inserts = (text: string, caret = text.length) =>
  searchHints(text, caret, ctx).map((h) => h.insert);

Deno.test("tokenAt(): the word around the caret, and phrases", () => {
  assert.deepEqual(tokenAt("deploy in:#gen", 14), {
    start: 7,
    end: 14,
    partial: "in:#gen",
    inPhrase: false,
  });
  assert.deepEqual(tokenAt("deploy in:#gen later", 10), {
    start: 7,
    end: 14,
    partial: "in:",
    inPhrase: false,
  });
  assert.deepEqual(tokenAt("a ", 2), { start: 2, end: 2, partial: "", inPhrase: false });
  assert.deepEqual(tokenAt('x "release no', 13), {
    start: 2,
    end: 13,
    partial: '"release no',
    inPhrase: true,
  });
  assert.equal(tokenAt('"done" f', 8).inPhrase, false);
});

Deno.test("searchHints(): every operator on an empty word, those a word could start", () => {
  assert.deepEqual(inserts(""), [
    "in:#",
    "from:@",
    "before:",
    "after:",
    "has:file",
    "is:thread",
    '"',
  ]);
  assert.deepEqual(inserts("deploy "), inserts(""));
  assert.deepEqual(inserts("fr"), ["from:@"]);
  assert.deepEqual(inserts("i"), ["in:#", "is:thread"]);
  assert.deepEqual(inserts("deploy"), []);
  // has:file and is:thread are offered once.
  assert.deepEqual(inserts("has:file is:thread "), ["in:#", "from:@", "before:", "after:", '"']);
});

Deno.test("searchHints(): channel names after in:, prefix matches first", () => {
  assert.deepEqual(inserts("in:"), [
    "in:#random",
    "in:#general",
    "in:#gen-ops",
    "in:#design-general",
  ]);
  assert.deepEqual(inserts("in:#gen"), ["in:#general", "in:#gen-ops", "in:#design-general"]);
  assert.deepEqual(inserts("IN:#GEN"), ["in:#general", "in:#gen-ops", "in:#design-general"]);
  assert.deepEqual(inserts("in:#nothing"), []);
  // A complete name is not offered again.
  assert.deepEqual(inserts("in:#random"), []);
  const [h] = searchHints("in:#gen-o", 9, ctx);
  assert.equal(h!.label, "🔒gen-ops");
  assert.equal(h!.detail, "private channel");
});

Deno.test("searchHints(): people after from:, by username or a word of their name", () => {
  assert.deepEqual(inserts("from:@"), ["from:@alice", "from:@bob", "from:@carol"]);
  assert.deepEqual(inserts("from:@b"), ["from:@bob"]);
  assert.deepEqual(inserts("from:dan"), ["from:@carol"]);
  assert.deepEqual(searchHints("from:@al", 8, ctx).map((h) => [h.label, h.detail]), [
    ["Alice Liddell", "@alice"],
  ]);
});

Deno.test("searchHints(): local days after before: and after:, none once a day is typed", () => {
  assert.deepEqual(inserts("before:"), [
    "before:2026-03-09",
    "before:2026-03-08",
    "before:2026-03-02",
    "before:2026-02-09",
    "before:2026-01-01",
  ]);
  assert.deepEqual(inserts("after:yes"), ["after:2026-03-08"]);
  assert.deepEqual(inserts("after:2026-02"), ["after:2026-02-09"]);
  assert.deepEqual(inserts("after:2026-02-03"), []);
  assert.deepEqual(inserts("has:f"), ["has:file"]);
  assert.deepEqual(inserts("is:"), ["is:thread"]);
  assert.deepEqual(inserts("has:image"), []);
});

Deno.test("searchHints(): an open quote is closed", () => {
  assert.deepEqual(inserts('"release no'), ['"release no"']);
  assert.deepEqual(inserts('"'), []);
  assert.deepEqual(inserts('"release" x'), []);
});

Deno.test("applyHint(): the token is replaced; complete ones get a space, values keep the caret", () => {
  const [general] = searchHints("deploy in:#ge", 13, ctx);
  assert.deepEqual(applyHint("deploy in:#ge", 13, general!), {
    text: "deploy in:#general ",
    caret: 19,
  });
  // In the middle of the text: the whole word goes, one space stays.
  assert.deepEqual(applyHint("in:#ge deploy", 3, general!), {
    text: "in:#general deploy",
    caret: 12,
  });
  const [inOp] = searchHints("deploy ", 7, ctx);
  assert.deepEqual(applyHint("deploy ", 7, inOp!), { text: "deploy in:#", caret: 11 });
  const [close] = searchHints('"release no', 11, ctx);
  assert.deepEqual(applyHint('"release no', 11, close!), { text: '"release no" ', caret: 13 });
});

Deno.test("isDay() and isoDay()", () => {
  assert.ok(isDay("2026-02-28"));
  assert.ok(!isDay("2026-02-30"));
  assert.ok(!isDay("2026-2-3"));
  assert.ok(!isDay("yesterday"));
  assert.equal(isoDay(new Date(2026, 0, 5, 23, 59)), "2026-01-05");
});
