import assert from "node:assert/strict";
import { uniqueSuffix } from "@colink/testing";
import { type ChatClient, chatClient, type ChatTarget, type Person } from "./chat_client.ts";

/**
 * Who may call every API route: a table of route × caller → status. The callers, by the part
 * they play around one workspace W with a private channel P and a public channel Q (both owned
 * by alice, with bob as a member and frank as a channel admin) and a DM D of alice and bob:
 */
const CALLERS = [
  ["member", "bob"], // member of P, Q and D
  ["non-member", "carol"], // member of W, not of P, Q or D
  ["other workspace", "grace"], // not in W at all
  ["guest", "erin"], // guest of W, in no channel
  ["channel admin", "frank"], // admin of P and Q
  ["workspace admin", "heidi"], // admin of W, not in P, Q or D
  ["moderator", "mia"], // realm role moderator, not in W
  ["anonymous", null],
] as const satisfies readonly (readonly [string, Person | null])[];

/**
 * The world a row runs in: W, P, Q, D, a message of alice's in P and in D, and an image F that
 * alice uploaded to P and attached to a message there.
 */
interface World {
  wid: string;
  p: string;
  q: string;
  d: string;
  mp: string;
  md: string;
  f: string;
  c: ChatClient;
  sql: ChatTarget["sql"];
}

interface Request {
  path: string;
  body?: unknown;
}

interface Row {
  /** "METHOD /path/{template}" as in /openapi.json. */
  route: string;
  /** When a route has several rows (a private and a public channel). */
  variant?: string;
  /** One status per caller, in CALLERS order (an array: any of these). */
  expect: readonly (number | readonly number[])[];
  /** The request for one caller; may create fresh things first (for one-way actions). */
  req(w: World, as: Person | null): Request | Promise<Request>;
}

const OK_OPEN = [200, 201] as const;

/** A fresh channel like P (private) or Q (public): alice owns it, bob and frank are in it. */
async function freshChannel(w: World, isPrivate: boolean): Promise<string> {
  const { c } = w;
  const ch = await c.call<{ id: string }>("alice", "POST", `/api/v1/workspaces/${w.wid}/channels`, {
    name: `m-${uniqueSuffix().toLowerCase().replace(/[^a-z0-9]/g, "").slice(-12)}`,
    is_private: isPrivate,
  });
  assert.equal(ch.status, 201, JSON.stringify(ch.body));
  await c.call("alice", "POST", `/api/v1/channels/${ch.body.id}/members`, { user_id: c.ids.bob });
  await c.call("alice", "POST", `/api/v1/channels/${ch.body.id}/members`, {
    user_id: c.ids.frank,
    role: "admin",
  });
  return ch.body.id;
}

async function message(w: World, as: Person, cid: string): Promise<string> {
  const m = await w.c.call<{ id: string }>(as, "POST", `/api/v1/channels/${cid}/messages`, {
    content: "fixture",
  });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  return m.body.id;
}

/** A 2×2 PNG: enough for dimensions and a preview. */
const PNG = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAEUlEQVR4nGP4z8DwH4QZYAwAR8oH+WdZbrcAAAAASUVORK5CYII=",
  ),
  (ch) => ch.charCodeAt(0),
);

/** Uploads an image as alice to P and attaches it to a message there; the file's id. */
async function attachedImage(w: World): Promise<string> {
  const u = await w.c.call<
    { file_id: string; upload_url: string; headers: Record<string, string> }
  >(
    "alice",
    "POST",
    "/api/v1/files/upload-url",
    { filename: "matrix.png", content_type: "image/png", size_bytes: PNG.length, channel_id: w.p },
  );
  assert.equal(u.status, 201, JSON.stringify(u.body));
  const put = await fetch(u.body.upload_url, { method: "PUT", headers: u.body.headers, body: PNG });
  assert.equal(put.status, 200, await put.text());
  const ok = await w.c.call<{ status: string }>(
    "alice",
    "POST",
    `/api/v1/files/${u.body.file_id}/confirm`,
  );
  assert.equal(ok.body.status, "clean", JSON.stringify(ok.body));
  const m = await w.c.call("alice", "POST", `/api/v1/channels/${w.p}/messages`, {
    content: "with a file",
    file_ids: [u.body.file_id],
  });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  return u.body.file_id;
}

/** A mute of carol by mia, for a row that undoes it. */
async function freshMute(w: World): Promise<string> {
  const m = await w.c.call<{ id: string }>("mia", "POST", "/api/v1/admin/moderation-actions", {
    action_type: "mute",
    target_user_id: w.c.ids.carol,
    reason: "matrix",
    channel_id: w.q,
    duration_seconds: 60,
  });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  return m.body.id;
}

/** bob's report of a fresh message of alice's in P. */
async function freshReport(w: World): Promise<string> {
  const r = await w.c.call<{ id: string }>(
    "bob",
    "POST",
    `/api/v1/messages/${await message(w, "alice", w.p)}/report`,
    { reason: "matrix" },
  );
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

const suffix = () => uniqueSuffix().toLowerCase().replace(/[^a-z0-9]/g, "").slice(-12);

//                 member non-m other guest ch-adm ws-adm  mod  anon
const ROWS: Row[] = [
  // users
  {
    route: "GET /api/v1/me",
    expect: [200, 200, 200, 200, 200, 200, 200, 401],
    req: () => ({ path: "/api/v1/me" }),
  },
  {
    route: "PATCH /api/v1/me",
    expect: [200, 200, 200, 200, 200, 200, 200, 401],
    req: () => ({ path: "/api/v1/me", body: {} }),
  },
  {
    route: "PUT /api/v1/me/status",
    expect: [200, 200, 200, 200, 200, 200, 200, 401],
    req: () => ({ path: "/api/v1/me/status", body: { status_text: "" } }),
  },
  {
    route: "GET /api/v1/users",
    expect: [200, 200, 200, 200, 200, 200, 200, 401],
    req: () => ({ path: "/api/v1/users?q=a" }),
  },
  {
    route: "GET /api/v1/users/{id}",
    expect: [200, 200, 404, 404, 200, 200, 404, 401],
    req: (w) => ({ path: `/api/v1/users/${w.c.ids.alice}` }),
  },
  {
    route: "GET /api/v1/presence",
    expect: [200, 200, 200, 200, 200, 200, 200, 401],
    req: (w) => ({ path: `/api/v1/presence?user_ids=${w.c.ids.alice}` }),
  },
  // workspaces
  {
    route: "GET /api/v1/workspaces",
    expect: [200, 200, 200, 200, 200, 200, 200, 401],
    req: () => ({ path: "/api/v1/workspaces" }),
  },
  {
    route: "POST /api/v1/workspaces",
    expect: [201, 201, 201, 201, 201, 201, 201, 401],
    req: () => ({ path: "/api/v1/workspaces", body: { name: "Matrix", slug: `mx-${suffix()}` } }),
  },
  {
    route: "GET /api/v1/workspaces/{wid}",
    expect: [200, 200, 404, 200, 200, 200, 404, 401],
    req: (w) => ({ path: `/api/v1/workspaces/${w.wid}` }),
  },
  {
    route: "GET /api/v1/workspaces/{wid}/members",
    expect: [200, 200, 404, 200, 200, 200, 404, 401],
    req: (w) => ({ path: `/api/v1/workspaces/${w.wid}/members` }),
  },
  {
    route: "POST /api/v1/workspaces/{wid}/members",
    expect: [403, 403, 404, 403, 403, 201, 404, 401],
    async req(w) {
      // Someone new each time: a user who signed in once and is in no workspace.
      const [u] = await w.sql.query<{ id: string }>(
        `insert into users (keycloak_id, username, display_name) values ($1, $1, 'New') returning id`,
        [`new-${suffix()}`],
      );
      return { path: `/api/v1/workspaces/${w.wid}/members`, body: { user_id: u!.id } };
    },
  },
  {
    route: "GET /api/v1/workspaces/{wid}/channels",
    expect: [200, 200, 404, 200, 200, 200, 404, 401],
    req: (w) => ({ path: `/api/v1/workspaces/${w.wid}/channels` }),
  },
  {
    route: "POST /api/v1/workspaces/{wid}/channels",
    expect: [201, 201, 404, 403, 201, 201, 404, 401],
    req: (w) => ({ path: `/api/v1/workspaces/${w.wid}/channels`, body: { name: `c-${suffix()}` } }),
  },
  {
    route: "POST /api/v1/workspaces/{wid}/dms",
    expect: [OK_OPEN, OK_OPEN, 404, 404, OK_OPEN, OK_OPEN, 404, 401],
    req: (w) => ({ path: `/api/v1/workspaces/${w.wid}/dms`, body: { user_ids: [w.c.ids.alice] } }),
  },
  {
    route: "GET /api/v1/workspaces/{wid}/dms",
    expect: [200, 200, 404, 200, 200, 200, 404, 401],
    req: (w) => ({ path: `/api/v1/workspaces/${w.wid}/dms` }),
  },
  // channels (P is private: invisible to everyone outside it)
  {
    route: "GET /api/v1/channels/{cid}",
    expect: [200, 404, 404, 404, 200, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/channels/${w.p}` }),
  },
  {
    route: "GET /api/v1/channels/{cid}",
    variant: "public",
    expect: [200, 200, 404, 404, 200, 200, 404, 401],
    req: (w) => ({ path: `/api/v1/channels/${w.q}` }),
  },
  {
    route: "PATCH /api/v1/channels/{cid}",
    expect: [403, 404, 404, 404, 200, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/channels/${w.p}`, body: { description: "matrix" } }),
  },
  {
    route: "PATCH /api/v1/channels/{cid}",
    variant: "public",
    expect: [403, 403, 404, 404, 200, 200, 404, 401],
    req: (w) => ({ path: `/api/v1/channels/${w.q}`, body: { description: "matrix" } }),
  },
  {
    route: "POST /api/v1/channels/{cid}/archive",
    expect: [403, 404, 404, 404, 200, 404, 404, 401],
    req: async (w) => ({ path: `/api/v1/channels/${await freshChannel(w, true)}/archive` }),
  },
  {
    route: "GET /api/v1/channels/{cid}/members",
    expect: [200, 404, 404, 404, 200, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/channels/${w.p}/members` }),
  },
  {
    route: "POST /api/v1/channels/{cid}/members",
    expect: [201, 404, 404, 404, 201, 404, 404, 401],
    req: async (w) => ({
      path: `/api/v1/channels/${await freshChannel(w, true)}/members`,
      body: { user_id: w.c.ids.carol },
    }),
  },
  {
    route: "POST /api/v1/channels/{cid}/members",
    variant: "public",
    expect: [201, 403, 404, 404, 201, 201, 404, 401],
    req: async (w) => ({
      path: `/api/v1/channels/${await freshChannel(w, false)}/members`,
      body: { user_id: w.c.ids.carol },
    }),
  },
  {
    route: "DELETE /api/v1/channels/{cid}/members/{uid}",
    expect: [403, 404, 404, 404, 204, 404, 404, 401],
    req: async (w) => ({
      path: `/api/v1/channels/${await freshChannel(w, true)}/members/${w.c.ids.alice}`,
    }),
  },
  {
    route: "POST /api/v1/channels/{cid}/join",
    expect: [200, 404, 404, 404, 200, 404, 404, 401],
    req: async (w) => ({ path: `/api/v1/channels/${await freshChannel(w, true)}/join` }),
  },
  {
    route: "POST /api/v1/channels/{cid}/join",
    variant: "public",
    expect: [200, 200, 404, 404, 200, 200, 404, 401],
    req: async (w) => ({ path: `/api/v1/channels/${await freshChannel(w, false)}/join` }),
  },
  {
    route: "POST /api/v1/channels/{cid}/leave",
    expect: [204, 409, 404, 404, 204, 409, 404, 401],
    req: async (w) => ({ path: `/api/v1/channels/${await freshChannel(w, false)}/leave` }),
  },
  {
    route: "POST /api/v1/channels/{cid}/read",
    expect: [200, 404, 404, 404, 200, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/channels/${w.p}/read`, body: { message_id: w.mp } }),
  },
  // DMs (D is alice's and bob's)
  {
    route: "GET /api/v1/dms/{did}",
    expect: [200, 404, 404, 404, 404, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/dms/${w.d}` }),
  },
  {
    route: "POST /api/v1/dms/{did}/read",
    expect: [200, 404, 404, 404, 404, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/dms/${w.d}/read`, body: { message_id: w.md } }),
  },
  {
    route: "POST /api/v1/dms/{did}/messages",
    expect: [201, 404, 404, 404, 404, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/dms/${w.d}/messages`, body: { content: "matrix" } }),
  },
  {
    route: "GET /api/v1/dms/{did}/messages",
    expect: [200, 404, 404, 404, 404, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/dms/${w.d}/messages` }),
  },
  // messages
  {
    route: "POST /api/v1/channels/{cid}/messages",
    expect: [201, 404, 404, 404, 201, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/channels/${w.p}/messages`, body: { content: "matrix" } }),
  },
  {
    route: "POST /api/v1/channels/{cid}/messages",
    variant: "public",
    expect: [201, 403, 404, 404, 201, 403, 404, 401],
    req: (w) => ({ path: `/api/v1/channels/${w.q}/messages`, body: { content: "matrix" } }),
  },
  {
    route: "GET /api/v1/channels/{cid}/messages",
    expect: [200, 404, 404, 404, 200, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/channels/${w.p}/messages` }),
  },
  {
    route: "GET /api/v1/channels/{cid}/messages",
    variant: "public",
    expect: [200, 200, 404, 404, 200, 200, 404, 401],
    req: (w) => ({ path: `/api/v1/channels/${w.q}/messages` }),
  },
  {
    route: "GET /api/v1/messages/{mid}",
    expect: [200, 404, 404, 404, 200, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/messages/${w.mp}` }),
  },
  {
    route: "PATCH /api/v1/messages/{mid}",
    variant: "bob's message",
    expect: [200, 404, 404, 404, 403, 404, 404, 401],
    req: async (w) => ({
      path: `/api/v1/messages/${await message(w, "bob", w.p)}`,
      body: { content: "edited" },
    }),
  },
  {
    route: "DELETE /api/v1/messages/{mid}",
    variant: "alice's message",
    expect: [403, 404, 404, 404, 204, 404, 204, 401],
    req: async (w) => ({ path: `/api/v1/messages/${await message(w, "alice", w.p)}` }),
  },
  {
    route: "POST /api/v1/messages/{mid}/replies",
    expect: [201, 404, 404, 404, 201, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/messages/${w.mp}/replies`, body: { content: "matrix" } }),
  },
  {
    route: "GET /api/v1/messages/{mid}/replies",
    expect: [200, 404, 404, 404, 200, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/messages/${w.mp}/replies` }),
  },
  {
    route: "PUT /api/v1/messages/{mid}/reactions/{emoji}",
    expect: [200, 404, 404, 404, 200, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/messages/${w.mp}/reactions/${encodeURIComponent("👍")}` }),
  },
  {
    route: "DELETE /api/v1/messages/{mid}/reactions/{emoji}",
    expect: [200, 404, 404, 404, 200, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/messages/${w.mp}/reactions/${encodeURIComponent("👍")}` }),
  },
  // files (F is alice's, in P; the redirect of a download is followed to the bytes)
  {
    route: "POST /api/v1/files/upload-url",
    expect: [201, 404, 404, 404, 201, 404, 404, 401],
    req: (w) => ({
      path: "/api/v1/files/upload-url",
      body: { filename: "m.txt", content_type: "text/plain", size_bytes: 5, channel_id: w.p },
    }),
  },
  {
    route: "POST /api/v1/files/{fid}/versions",
    expect: [403, 404, 404, 404, 403, 404, 404, 401],
    req: (w) => ({
      path: `/api/v1/files/${w.f}/versions`,
      body: { content_type: "image/png", size_bytes: 5 },
    }),
  },
  {
    route: "POST /api/v1/files/{fid}/confirm",
    expect: [403, 404, 404, 404, 403, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/files/${w.f}/confirm` }),
  },
  {
    route: "GET /api/v1/files/{fid}",
    expect: [200, 404, 404, 404, 200, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/files/${w.f}` }),
  },
  {
    route: "GET /api/v1/files/{fid}/versions",
    expect: [200, 404, 404, 404, 200, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/files/${w.f}/versions` }),
  },
  {
    route: "GET /api/v1/files/{fid}/download",
    expect: [200, 404, 404, 404, 200, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/files/${w.f}/download` }),
  },
  {
    route: "GET /api/v1/files/{fid}/thumbnail",
    expect: [200, 404, 404, 404, 200, 404, 404, 401],
    req: (w) => ({ path: `/api/v1/files/${w.f}/thumbnail` }),
  },
  // search: everyone signed in may search; what they find is filtered (tests/search_suite.ts)
  {
    route: "GET /api/v1/search/messages",
    expect: [200, 200, 200, 200, 200, 200, 200, 401],
    req: (w) => ({ path: `/api/v1/search/messages?q=fixture&in=${w.p}` }),
  },
  {
    route: "GET /api/v1/search/files",
    expect: [200, 200, 200, 200, 200, 200, 200, 401],
    req: () => ({ path: "/api/v1/search/files?q=matrix" }),
  },
  // moderation (realm roles admin and moderator; the audit log is realm admins' only)
  {
    route: "POST /api/v1/admin/moderation-actions",
    expect: [403, 403, 403, 403, 403, 403, 201, 401],
    req: (w) => ({
      path: "/api/v1/admin/moderation-actions",
      body: { action_type: "warn", target_user_id: w.c.ids.carol, reason: "matrix" },
    }),
  },
  {
    route: "GET /api/v1/admin/moderation-actions",
    expect: [403, 403, 403, 403, 403, 403, 200, 401],
    req: () => ({ path: "/api/v1/admin/moderation-actions" }),
  },
  {
    route: "DELETE /api/v1/admin/moderation-actions/{id}",
    expect: [403, 403, 403, 403, 403, 403, 200, 401],
    req: async (w) => ({ path: `/api/v1/admin/moderation-actions/${await freshMute(w)}` }),
  },
  {
    route: "GET /api/v1/admin/reports",
    expect: [403, 403, 403, 403, 403, 403, 200, 401],
    req: () => ({ path: "/api/v1/admin/reports" }),
  },
  {
    route: "POST /api/v1/admin/reports/{id}/resolve",
    expect: [403, 403, 403, 403, 403, 403, 200, 401],
    req: async (w) => ({ path: `/api/v1/admin/reports/${await freshReport(w)}/resolve`, body: {} }),
  },
  {
    route: "POST /api/v1/admin/reports/{id}/dismiss",
    expect: [403, 403, 403, 403, 403, 403, 200, 401],
    req: async (w) => ({ path: `/api/v1/admin/reports/${await freshReport(w)}/dismiss`, body: {} }),
  },
  {
    route: "PUT /api/v1/admin/threads/{mid}/lock",
    expect: [403, 403, 403, 403, 403, 403, 200, 401],
    req: async (w) => ({ path: `/api/v1/admin/threads/${await message(w, "alice", w.p)}/lock` }),
  },
  {
    route: "DELETE /api/v1/admin/threads/{mid}/lock",
    expect: [403, 403, 403, 403, 403, 403, 200, 401],
    req: (w) => ({ path: `/api/v1/admin/threads/${w.mp}/lock` }),
  },
  {
    route: "GET /api/v1/admin/audit-log",
    expect: [403, 403, 403, 403, 403, 403, 403, 401],
    req: () => ({ path: "/api/v1/admin/audit-log" }),
  },
  {
    route: "PATCH /api/v1/workspaces/{wid}/members/{uid}",
    expect: [403, 403, 404, 403, 403, 200, 404, 401],
    req: (w) => ({
      path: `/api/v1/workspaces/${w.wid}/members/${w.c.ids.carol}`,
      body: { role: "member" },
    }),
  },
  {
    route: "POST /api/v1/messages/{mid}/report",
    expect: [201, 404, 404, 404, 201, 404, 404, 401],
    req: async (w) => ({
      path: `/api/v1/messages/${await message(w, "alice", w.p)}/report`,
      body: { reason: "matrix" },
    }),
  },
];

/** The API routes of the OpenAPI document, as "METHOD /path". */
async function documentedRoutes(base: string): Promise<string[]> {
  const doc = await (await fetch(`${base}/openapi.json`)).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(doc.paths).filter(([p]) => p.startsWith("/api/v1/")).flatMap(([p, ops]) =>
    Object.keys(ops).filter((m) => ["get", "post", "put", "patch", "delete"].includes(m)).map((m) =>
      `${m.toUpperCase()} ${p}`
    )
  ).sort();
}

export function authorizationMatrix(mode: string, makeTarget: () => Promise<ChatTarget>): void {
  Deno.test({
    name: `authorization matrix [${mode}]`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const tg = await makeTarget();
      try {
        await t.step(
          "every API route of the OpenAPI document has a row, and every row a route",
          async () => {
            const documented = await documentedRoutes(tg.base);
            const covered = new Set(ROWS.map((r) => r.route));
            assert.deepEqual(
              documented.filter((r) => !covered.has(r)),
              [],
              "routes nobody said who may call",
            );
            assert.deepEqual(
              [...covered].filter((r) => !documented.includes(r)),
              [],
              "rows for routes that do not exist",
            );
          },
        );

        const c = await chatClient(tg);
        const ws = await c.call<{ id: string }>("alice", "POST", "/api/v1/workspaces", {
          name: "Matrix",
          slug: `matrix-${suffix()}`,
        });
        assert.equal(ws.status, 201);
        const wid = ws.body.id;
        for (
          const [who, role] of [["bob", "member"], ["carol", "member"], ["frank", "member"], [
            "heidi",
            "admin",
          ], ["erin", "guest"]] as const
        ) {
          const r = await c.call("alice", "POST", `/api/v1/workspaces/${wid}/members`, {
            user_id: c.ids[who],
            role,
          });
          assert.equal(r.status, 201);
        }
        await c.call("grace", "POST", "/api/v1/workspaces", {
          name: "Else",
          slug: `else-${suffix()}`,
        });
        const w: World = { wid, p: "", q: "", d: "", mp: "", md: "", f: "", c, sql: tg.sql };
        w.p = await freshChannel(w, true);
        w.q = await freshChannel(w, false);
        w.mp = await message(w, "alice", w.p);
        w.f = await attachedImage(w);
        const dm = await c.call<{ id: string }>("alice", "POST", `/api/v1/workspaces/${wid}/dms`, {
          user_ids: [c.ids.bob],
        });
        w.d = dm.body.id;
        const dmMessage = await c.call<{ id: string }>(
          "alice",
          "POST",
          `/api/v1/dms/${w.d}/messages`,
          { content: "dm fixture" },
        );
        w.md = dmMessage.body.id;

        await t.step("every route answers each caller as the table says", async () => {
          const wrong: string[] = [];
          for (const row of ROWS) {
            const [method, template] = row.route.split(" ") as [string, string];
            for (const [i, [part, who]] of CALLERS.entries()) {
              const { path, body } = await row.req(w, who);
              const r = await c.call(who, method, path, body);
              const want = row.expect[i]!;
              const ok = typeof want === "number" ? r.status === want : want.includes(r.status);
              if (!ok) {
                wrong.push(
                  `${method} ${template}${
                    row.variant ? ` (${row.variant})` : ""
                  } as ${part} (${who}): ${r.status}, expected ${want} ${
                    JSON.stringify(r.body).slice(0, 120)
                  }`,
                );
              }
            }
          }
          assert.deepEqual(
            wrong,
            [],
            `${wrong.length} answers differ from the matrix:\n${wrong.join("\n")}`,
          );
        });
      } finally {
        await tg.close();
      }
    },
  });
}
