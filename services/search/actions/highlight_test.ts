import assert from "node:assert/strict";
import { highlight } from "./highlight.ts";

Deno.test("highlight() marks every match, case-insensitive, and escapes the rest", () => {
  assert.equal(
    highlight("The Deployment <b>failed</b>; redeployment next", ["deploym"]),
    "The <mark>Deploym</mark>ent &lt;b&gt;failed&lt;/b&gt;; re<mark>deploym</mark>ent next",
  );
});

Deno.test("highlight() merges overlapping matches and marks CJK substrings", () => {
  assert.equal(
    highlight("東京タワーに行きました", ["タワー", "ワーに"]),
    "東京<mark>タワーに</mark>行きました",
  );
});

Deno.test("highlight() cuts a long text around the first match", () => {
  const text = `${"a ".repeat(200)}needle${" b".repeat(200)}`;
  const h = highlight(text, ["needle"], 60);
  assert.ok(h.startsWith("…") && h.endsWith("…"));
  assert.ok(h.includes("<mark>needle</mark>"));
  assert.ok(h.length < 100);
});

Deno.test("highlight() of a text with markup in the needle never lets markup through", () => {
  assert.equal(highlight("x <script> y", ["<script>"]), "x <mark>&lt;script&gt;</mark> y");
});
