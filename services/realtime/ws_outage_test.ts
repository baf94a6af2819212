import assert from "node:assert/strict";
import { WS_CLOSE } from "@colink/contracts";
import { DEV_USERS } from "@colink/db";
import { firstReply, forgedTokensForIssuer, freePort, startProcess } from "@colink/testing";
import { realtimeService } from "./app.ts";

/** Authenticates on /ws with `token`: the first frame's type, or the close code. */
async function authenticate(wsBase: string, token: string) {
  const got = await firstReply(wsBase, { type: "auth", token });
  return got.frame ? { type: got.frame.type } : got;
}

Deno.test({
  name: "WebSocket: a database outage during auth closes with 1011 (retry), not 4401",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const p = await startProcess([realtimeService]);
    try {
      const genuine = (user: number) =>
        forgedTokensForIssuer(p.proc.issuer!.keys, `${p.base}/realms/colink`, DEV_USERS[user]!)
          .then((table) => table.find((tc) => tc.accepted)!.token);
      const bob = await genuine(1);
      assert.deepEqual(await authenticate(p.wsBase, bob), { type: "hello" });
      // carol was never seen: resolving her needs the database, which is now gone.
      const carol = await genuine(2);
      await p.proc.infra.sql!.close();
      assert.deepEqual(await authenticate(p.wsBase, carol), { close: WS_CLOSE.internalError });
    } finally {
      await p.close().catch(() => {});
    }
  },
});

Deno.test({
  name:
    "WebSocket: an unreachable issuer (no signing keys) closes with 1013 (try again later), not 4401",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const issuer = `http://127.0.0.1:${freePort()}/realms/colink`; // nothing listens there
    const p = await startProcess([realtimeService], { OIDC_ISSUER: issuer });
    try {
      const other = await startProcess([realtimeService]);
      // A well-formed token from some issuer: without keys we cannot tell whether it is genuine.
      const table = await forgedTokensForIssuer(
        other.proc.issuer!.keys,
        issuer,
        DEV_USERS[1]!,
      );
      await other.close();
      const token = table.find((tc) => tc.accepted)!.token;
      assert.deepEqual(await authenticate(p.wsBase, token), { close: WS_CLOSE.tryAgainLater });
    } finally {
      await p.close();
    }
  },
});
