import assert from "node:assert/strict";
import { distributedTestEnv, passwordGrant, startProcess } from "@colink/testing";
import { realtimeService } from "@colink/svc-realtime";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";
import { SERVICES } from "./registry.ts";
import { identitySuite } from "./testdata/identity_suite.ts";

async function startStack() {
  const d = await distributedTestEnv("dist");
  const users = await startProcess([usersService], d.env);
  const realtime = await startProcess([realtimeService], d.env);
  const gateway = await startProcess([gatewayService], {
    ...d.env,
    USERS_URL: users.base,
    REALTIME_URL: realtime.base,
  }, SERVICES);
  return {
    d,
    users,
    realtime,
    gateway,
    async close() {
      await gateway.close();
      await realtime.close();
      await users.close().catch(() => {});
      await d.drop();
    },
  };
}

identitySuite("keycloak, distributed gateway → users service", async () => {
  const stack = await startStack();
  return {
    proc: stack.gateway,
    tokenUrl: `${stack.d.env.OIDC_ISSUER}/protocol/openid-connect/token`,
    close: () => stack.close(),
  };
});

Deno.test({
  name:
    "distributed gateway: routes to services, propagates the request id, bridges /ws; services trust no one",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack();
    const { gateway, users } = stack;
    try {
      const { body } = await passwordGrant(
        fetch,
        `${stack.d.env.OIDC_ISSUER}/protocol/openid-connect/token`,
        "bob",
      );
      const bearer = { authorization: `Bearer ${body.access_token}` };

      await t.step(
        "an API call is routed to its service with the caller's request id",
        async () => {
          const res = await fetch(`${gateway.base}/api/v1/me`, {
            headers: { ...bearer, "x-request-id": "trace-12345678" },
          });
          assert.equal(res.status, 200);
          assert.equal(res.headers.get("x-request-id"), "trace-12345678");
          assert.equal((await res.json()).username, "bob");
        },
      );

      await t.step(
        "a service's own port refuses callers without a valid token, whatever headers they add",
        async () => {
          const attempts: Record<string, string>[] = [{}, {
            "x-user-id": "00000000-0000-4000-8000-000000000004",
          }];
          for (const headers of attempts) {
            const res = await fetch(`${users.base}/api/v1/me`, { headers });
            assert.equal(res.status, 401);
            await res.body?.cancel();
          }
        },
      );

      await t.step(
        "paths no service owns (or whose service is not configured) are 404 route_not_found",
        async () => {
          for (
            const path of [
              "/api/v1/nothing-here",
              "/api/v1/search/messages?q=x",
              // Not /api/v1/me: a proxy resolving it against its upstream's URL would reach a host
              // named "api" with the caller's token.
              "//api/v1/me",
              "/api//v1/me",
            ]
          ) {
            const res = await fetch(`${gateway.base}${path}`, { headers: bearer });
            assert.equal(res.status, 404);
            assert.equal((await res.json()).error.code, "route_not_found");
          }
        },
      );

      await t.step("the gateway's /openapi.json merges the services' documents", async () => {
        const doc = await (await fetch(`${gateway.base}/openapi.json`)).json();
        assert.ok(doc.paths["/api/v1/me"]?.get, "users routes are in the merged document");
        assert.ok(doc.paths["/auth/login"]?.get, "the gateway's own routes too");
      });

      await t.step("/ws through the gateway reaches the realtime service", async () => {
        const frame = await new Promise<Record<string, unknown>>((resolve, reject) => {
          const ws = new WebSocket(`${gateway.wsBase}/ws`);
          ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token: body.access_token }));
          ws.onmessage = (e) => {
            resolve(JSON.parse(e.data));
            ws.close();
          };
          ws.onerror = () => reject(new Error("socket error"));
        });
        assert.equal(frame.type, "hello");
      });

      await t.step("a service that is down is a 502 upstream_unavailable, not a hang", async () => {
        await users.close();
        const res = await fetch(`${gateway.base}/api/v1/me`, { headers: bearer });
        assert.equal(res.status, 502);
        assert.equal((await res.json()).error.code, "upstream_unavailable");
      });
    } finally {
      await stack.close();
    }
  },
});
