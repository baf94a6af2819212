import assert from "node:assert/strict";
import { base64url, randomSecret, sha256Base64url, sha256Hex } from "./encoding.ts";

Deno.test("encodings match their RFC test vectors", async () => {
  assert.equal(
    await sha256Hex("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  // RFC 7636 appendix B: the S256 challenge of this verifier.
  assert.equal(
    await sha256Base64url("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  );
  assert.equal(base64url(new Uint8Array([0xfb, 0xff, 0xfe])), "-__-");
  assert.match(randomSecret(24), /^[A-Za-z0-9_-]{32}$/);
});
