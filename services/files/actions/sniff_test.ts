import assert from "node:assert/strict";
import { looksActive, sniffContent } from "./sniff.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const PNG = Uint8Array.from([
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
  0,
  0,
  0,
  13,
  0x49,
  0x48,
  0x44,
  0x52,
]);
const PDF = enc("%PDF-1.7\n%âãÏÓ\n");
const ZIP = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0]);

Deno.test("sniffContent() accepts content that is what it was declared as", async () => {
  const cases: [string, Uint8Array][] = [
    ["image/png", PNG],
    ["application/pdf", PDF],
    ["application/zip", ZIP],
    ["text/plain", enc("just text, < not a tag")],
    ["text/csv", enc("a,b\n1,2\n")],
    ["application/json", enc('{"a": "<html>"}')],
    ["application/octet-stream", PNG],
    ["text/html", enc("<!doctype html><p>hi")],
    ["image/svg+xml", enc("<svg xmlns='http://www.w3.org/2000/svg'/>")],
  ];
  for (const [type, head] of cases) {
    const v = await sniffContent(type, head);
    assert.ok(v.ok, `${type}: ${JSON.stringify(v)}`);
  }
});

Deno.test("sniffContent() refuses disguised documents and mismatched formats", async () => {
  const cases: [string, Uint8Array][] = [
    ["image/png", enc("<!DOCTYPE html><script>alert(1)</script>")],
    ["image/png", enc("\ufeff  <svg onload=alert(1)>")],
    ["image/jpeg", PNG],
    ["image/png", enc("GIF89a")],
    ["text/plain", enc("\n\t<HTML><body>")],
    ["text/plain", PNG],
    ["application/pdf", enc("not a pdf")],
    ["application/octet-stream", enc("<?xml version='1.0'?><svg/>")],
    ["image/png", Uint8Array.from([0xfe, 0xff, ...enc("\u0000<\u0000h\u0000t\u0000m\u0000l")])],
  ];
  for (const [type, head] of cases) {
    const v = await sniffContent(type, head);
    assert.equal(v.ok, false, `${type} with ${JSON.stringify(new TextDecoder().decode(head))}`);
  }
});

Deno.test("looksActive() follows the tag-terminating rule of the MIME sniffing standard", () => {
  assert.equal(looksActive(enc("<a href=x>")), true);
  assert.equal(looksActive(enc("<b>bold")), true);
  assert.equal(looksActive(enc("<abc>")), false, "<abc is not <a");
  assert.equal(looksActive(enc("<bread")), false);
  assert.equal(looksActive(enc("<!-- c -->")), true);
  assert.equal(looksActive(enc("plain <html> later")), false);
});
