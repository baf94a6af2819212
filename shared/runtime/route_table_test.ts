import assert from "node:assert/strict";
import { createRouteTable, upstreamEnvVar } from "./route_table.ts";

const table = createRouteTable([
  {
    name: "gateway",
    paths: [{ prefix: "/api", access: "caller" }, { prefix: "/auth", access: "session" }, {
      prefix: "/auth/login",
      access: "session",
      signIn: true,
    }],
  },
  { name: "channels", paths: [{ prefix: "/api/v1/channels", access: "caller" }] },
  {
    name: "messaging",
    paths: [{ prefix: "/api/v1/channels/*/messages", access: "caller" }, {
      prefix: "/api/v1/channels/*/messages/pinned",
      access: "caller",
    }],
  },
  { name: "pins", paths: [{ prefix: "/api/v1/channels/archived/messages", access: "anonymous" }] },
  { name: "bi-exporter" },
]);
const owner = (path: string) => table.match(path)?.service;

Deno.test("route table: the most specific declaration owns a path, whatever the declaration order", () => {
  assert.equal(owner("/api/v1/channels"), "channels");
  assert.equal(owner("/api/v1/channels/c1"), "channels");
  assert.equal(owner("/api/v1/channels/c1/messages"), "messaging");
  assert.equal(owner("/api/v1/channels/c1/messages/m1"), "messaging");
  // A literal segment beats "*" at the same depth.
  assert.equal(owner("/api/v1/channels/archived/messages"), "pins");
  assert.equal(owner("/api/v1/nothing-here"), "gateway");
});

Deno.test("route table: prefixes are segment-aligned", () => {
  assert.equal(owner("/api/v1/channelsx"), "gateway");
  assert.equal(owner("/apix"), undefined);
  assert.equal(owner("/"), undefined);
  assert.equal(owner("/channels/general"), undefined); // the web client's own routes
  assert.equal(owner("/api/v1/channels/"), "channels");
});

Deno.test('route table: empty segments are not skipped ("//api" is not "/api")', () => {
  assert.equal(owner("//api/v1/channels"), undefined);
  assert.equal(owner("//ws"), undefined);
  assert.equal(owner("/api//v1/channels"), "gateway"); // under /api, but no service's path
  assert.equal(owner("/api/v1//channels"), "gateway");
});

Deno.test("route table: access and sign-in come from the matching declaration", () => {
  assert.deepEqual(table.match("/auth/login"), {
    prefix: "/auth/login",
    access: "session",
    signIn: true,
    service: "gateway",
  });
  assert.equal(table.match("/auth/session")?.signIn, undefined);
  assert.equal(table.match("/auth/session")?.access, "session");
});

Deno.test("route table: lists the services that own paths, and refuses a path declared twice", () => {
  assert.deepEqual(table.services, ["gateway", "channels", "messaging", "pins"]);
  assert.throws(
    () =>
      createRouteTable([
        { name: "a", paths: [{ prefix: "/api/v1/x", access: "caller" }] },
        { name: "b", paths: [{ prefix: "/api/v1/x/", access: "caller" }] },
      ]),
    /declared by both a and b/,
  );
});

Deno.test("route table: a service's upstream setting is its name in capitals", () => {
  assert.equal(upstreamEnvVar("users"), "USERS_URL");
  assert.equal(upstreamEnvVar("bi-exporter"), "BI_EXPORTER_URL");
});
