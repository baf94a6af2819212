import assert from "node:assert/strict";
import { ApiError, request, setCsrfToken, setUnauthorizedHandler } from "./client.ts";

function withFetch(
  reply: (req: Request) => Response,
  f: (seen: Request[]) => Promise<void>,
): () => Promise<void> {
  return async () => {
    const seen: Request[] = [];
    const original = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      const req = new Request(new URL(String(input), "http://colink.test"), init);
      seen.push(req);
      return Promise.resolve(reply(req));
    };
    try {
      await f(seen);
    } finally {
      globalThis.fetch = original;
    }
  };
}

Deno.test(
  "unsafe requests carry X-CSRF-Token, safe ones do not",
  withFetch(() => Response.json({ ok: true }), async (seen) => {
    setCsrfToken("tok");
    await request("GET", "/api/v1/me");
    await request("POST", "/api/v1/channels/x/read", { message_id: "m" });
    await request("DELETE", "/api/v1/messages/m");
    assert.equal(seen[0]!.headers.get("x-csrf-token"), null);
    assert.equal(seen[1]!.headers.get("x-csrf-token"), "tok");
    assert.equal(seen[1]!.headers.get("content-type"), "application/json");
    assert.equal(await seen[1]!.text(), '{"message_id":"m"}');
    assert.equal(seen[2]!.headers.get("x-csrf-token"), "tok");
    assert.equal(seen[0]!.credentials, "same-origin");
  }),
);

Deno.test(
  "the API's error shape becomes an ApiError; a 401 reports the session gone",
  withFetch(
    (req) =>
      req.url.endsWith("/limited")
        ? new Response(
          JSON.stringify({
            error: { code: "rate_limited", message: "Slow down", request_id: "r1" },
          }),
          { status: 429, headers: { "retry-after": "7", "content-type": "application/json" } },
        )
        : Response.json({
          error: { code: "unauthorized", message: "No session", request_id: "r2" },
        }, {
          status: 401,
        }),
    async () => {
      let gone = 0;
      setUnauthorizedHandler(() => gone++);
      const limited = (await request("GET", "/limited").catch((e) => e)) as ApiError;
      assert.ok(limited instanceof ApiError);
      assert.deepEqual(
        [limited.status, limited.code, limited.message, limited.requestId, limited.retryAfter],
        [429, "rate_limited", "Slow down", "r1", 7],
      );
      assert.equal(limited.transient, true);
      const denied = (await request("GET", "/api/v1/me").catch((e) => e)) as ApiError;
      assert.equal(denied.code, "unauthorized");
      assert.equal(denied.transient, false);
      assert.equal(gone, 1);
    },
  ),
);

Deno.test("a network failure is a transient ApiError with status 0", async () => {
  const original = globalThis.fetch;
  globalThis.fetch = () => Promise.reject(new TypeError("failed to fetch"));
  try {
    const e = await request("GET", "/api/v1/me").catch((x) => x);
    assert.ok(e instanceof ApiError);
    assert.equal(e.status, 0);
    assert.equal(e.transient, true);
  } finally {
    globalThis.fetch = original;
  }
});
