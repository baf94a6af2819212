import assert from "node:assert/strict";
import { decodeEntities, highlightParts } from "./highlight.ts";

Deno.test("highlightParts(): the server's <mark>s become parts, the rest plain text", () => {
  assert.deepEqual(highlightParts("the <mark>deploy</mark>ment went fine"), [
    { text: "the ", mark: false },
    { text: "deploy", mark: true },
    { text: "ment went fine", mark: false },
  ]);
  assert.deepEqual(highlightParts("<mark>会议</mark>在三点"), [
    { text: "会议", mark: true },
    { text: "在三点", mark: false },
  ]);
  assert.deepEqual(highlightParts("…no match here…"), [{ text: "…no match here…", mark: false }]);
  assert.deepEqual(highlightParts(""), []);
});

Deno.test("highlightParts(): escaped text comes back as the text it was, once", () => {
  assert.deepEqual(
    highlightParts("a &lt;b&gt; &amp;amp; &quot;q&quot; it&#39;s <mark>&lt;x&gt;</mark>"),
    [
      { text: 'a <b> &amp; "q" it\'s ', mark: false },
      { text: "<x>", mark: true },
    ],
  );
});

Deno.test("highlightParts(): other tags are dropped, never rendered; marks nest and balance", () => {
  const parts = highlightParts(
    '<img src=x onerror="alert(1)"><script>alert(2)</script><mark class="evil">hit</mark>' +
      '<a href="javascript:alert(3)">link</a>',
  );
  assert.deepEqual(parts, [
    { text: "alert(2)", mark: false },
    { text: "hit", mark: true },
    { text: "link", mark: false },
  ]);
  assert.ok(parts.every((p) => !p.text.includes("<")));
  assert.deepEqual(highlightParts("<mark><MARK>a</mark>b</mark></mark>c"), [
    { text: "ab", mark: true },
    { text: "c", mark: false },
  ]);
  // A stray "<" that is no tag is text.
  assert.deepEqual(highlightParts("1 < 2"), [{ text: "1 < 2", mark: false }]);
});

Deno.test("decodeEntities(): numeric and named entities, unknown ones and bad code points kept", () => {
  assert.equal(
    decodeEntities("&#x1F600; &#128512; &nbsp; &#0; &#xD800; &AMP;"),
    "😀 😀 &nbsp; &#0; &#xD800; &",
  );
});
