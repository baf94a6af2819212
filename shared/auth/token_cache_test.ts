import assert from "node:assert/strict";
import { cachingVerifier } from "./token_cache.ts";
import { type Identity, InvalidTokenError, type TokenVerifier } from "./verifier.ts";

/** A verifier that accepts "good-*" tokens for 60 s from `now`, counting its calls. */
function counted(now: () => number) {
  const calls: string[] = [];
  const verifier: TokenVerifier = {
    verify(token) {
      calls.push(token);
      if (!token.startsWith("good-")) return Promise.reject(new InvalidTokenError("signature"));
      const id: Identity = {
        sub: token,
        username: token,
        realmRoles: [],
        expiresAt: new Date(now() + 60_000),
      };
      return Promise.resolve(id);
    },
  };
  return { verifier, calls };
}

Deno.test("cachingVerifier: a token is verified once, then served from memory until it expires", async () => {
  let t = 1_000_000;
  const inner = counted(() => t);
  const v = cachingVerifier(inner.verifier, { now: () => t });
  assert.equal((await v.verify("good-a")).sub, "good-a");
  t += 59_000;
  assert.equal((await v.verify("good-a")).sub, "good-a");
  assert.deepEqual(inner.calls, ["good-a"]);
  t += 1_000; // exp reached: checked again (and refused or renewed by the real verifier)
  await v.verify("good-a");
  assert.deepEqual(inner.calls, ["good-a", "good-a"]);
});

Deno.test("cachingVerifier: refused tokens are never cached, and another token is another entry", async () => {
  const inner = counted(Date.now);
  const v = cachingVerifier(inner.verifier);
  await assert.rejects(v.verify("bad-x"), InvalidTokenError);
  await assert.rejects(v.verify("bad-x"), InvalidTokenError);
  await v.verify("good-a");
  // The same prefix with one character changed (a tampered payload) is verified on its own.
  assert.equal((await v.verify("good-b")).sub, "good-b");
  assert.deepEqual(inner.calls, ["bad-x", "bad-x", "good-a", "good-b"]);
});

Deno.test("cachingVerifier: holds at most maxEntries tokens, dropping the oldest", async () => {
  const inner = counted(Date.now);
  const v = cachingVerifier(inner.verifier, { maxEntries: 2 });
  for (const tok of ["good-1", "good-2", "good-3", "good-3", "good-2", "good-1"]) {
    await v.verify(tok);
  }
  // good-1 was evicted when good-3 arrived; good-2 and good-3 stayed cached.
  assert.deepEqual(inner.calls, ["good-1", "good-2", "good-3", "good-1"]);
});
