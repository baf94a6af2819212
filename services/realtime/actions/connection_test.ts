import assert from "node:assert/strict";
import type { PrincipalResolver, TokenVerifier } from "@colink/auth";
import { type ServerFrame, WS_CLOSE } from "@colink/contracts";
import { silentLogger } from "@colink/http";
import { createConnection } from "./connection.ts";

Deno.test("connection: credentials still being checked when the auth time is up close with 1013 (retry), and nothing follows", async () => {
  let finish: () => void = () => {};
  const verifier: TokenVerifier = {
    // The IdP's keys or the database are slow: the check outlives the socket's auth window.
    verify: () =>
      new Promise((resolve) => {
        finish = () =>
          resolve({
            sub: "s",
            username: "u",
            realmRoles: [],
            expiresAt: new Date(Date.now() + 60_000),
          });
      }),
  };
  const principals: PrincipalResolver = {
    resolve: (id) =>
      Promise.resolve({ userId: "u1", sub: id.sub, username: id.username, realmRoles: [] }),
    invalidate: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  const sent: ServerFrame[] = [];
  const closes: number[] = [];
  const conn = createConnection(
    {
      send: (f) => sent.push(JSON.parse(f)),
      close: (code) => closes.push(code),
      bufferedAmount: () => 0,
    },
    { verifier, principals, logger: silentLogger, authTimeoutMs: 50 },
  );
  const auth = conn.onMessage(JSON.stringify({ type: "auth", token: "a.b.c" }));
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(closes, [WS_CLOSE.tryAgainLater]);
  finish();
  await auth;
  assert.deepEqual(sent, [], "no hello on a closed socket");
  assert.deepEqual(closes, [WS_CLOSE.tryAgainLater]);
  assert.equal(conn.principal, undefined);
});
