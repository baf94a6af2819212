import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import {
  AddChannelMember,
  AddWorkspaceMember,
  ChangeWorkspaceRole,
  Channel,
  ChannelList,
  ChannelMember,
  ChannelMemberList,
  CreateChannel,
  CreateWorkspace,
  Dm,
  DmList,
  MarkRead,
  OpenDm,
  ReadState,
  UpdateChannel,
  Workspace,
  WorkspaceList,
  WorkspaceMember,
  WorkspaceMemberList,
} from "@colink/contracts";
import type { ChatDeps } from "@colink/conversations";
import {
  bearerSecurity as security,
  commonErrors,
  conflictResponse,
  forbiddenResponse,
  jsonContent as json,
  notFoundResponse,
} from "@colink/http";
import {
  archiveChannel,
  createChannel,
  getChannel,
  listChannels,
  updateChannel,
} from "../actions/channels.ts";
import { getDm, listDms, openDm } from "../actions/dms.ts";
import {
  addChannelMember,
  joinChannel,
  listChannelMembers,
  removeChannelMember,
} from "../actions/members.ts";
import { markRead } from "../actions/read_state.ts";
import {
  addWorkspaceMember,
  changeWorkspaceRole,
  createWorkspace,
  getWorkspace,
  listWorkspaceMembers,
  listWorkspaces,
} from "../actions/workspaces.ts";

const errors = { ...commonErrors, 403: forbiddenResponse, 404: notFoundResponse };
const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});
const wid = z.object({ wid: z.uuid() });
const cid = z.object({ cid: z.uuid() });
const did = z.object({ did: z.uuid() });
const member = (m: { user_id: string; role: string; joined_at: Date }) => ({
  user_id: m.user_id,
  role: m.role,
  joined_at: m.joined_at.toISOString(),
});

const r = {
  listWorkspaces: createRoute({
    method: "get",
    path: "/api/v1/workspaces",
    tags: ["workspaces"],
    security,
    responses: { 200: json(WorkspaceList, "The caller's workspaces"), ...errors },
  }),
  createWorkspace: createRoute({
    method: "post",
    path: "/api/v1/workspaces",
    tags: ["workspaces"],
    security,
    request: body(CreateWorkspace),
    responses: {
      201: json(Workspace, "Created, with its default channel general; the caller owns it"),
      409: conflictResponse,
      ...errors,
    },
  }),
  getWorkspace: createRoute({
    method: "get",
    path: "/api/v1/workspaces/{wid}",
    tags: ["workspaces"],
    security,
    request: { params: wid },
    responses: { 200: json(Workspace, "The workspace"), ...errors },
  }),
  listMembers: createRoute({
    method: "get",
    path: "/api/v1/workspaces/{wid}/members",
    tags: ["workspaces"],
    security,
    request: { params: wid },
    responses: { 200: json(WorkspaceMemberList, "Its members (a guest sees fewer)"), ...errors },
  }),
  addMember: createRoute({
    method: "post",
    path: "/api/v1/workspaces/{wid}/members",
    tags: ["workspaces"],
    security,
    request: { params: wid, ...body(AddWorkspaceMember) },
    responses: {
      201: json(WorkspaceMember, "Added (and joined to the default channels unless a guest)"),
      409: conflictResponse,
      ...errors,
    },
  }),
  changeRole: createRoute({
    method: "patch",
    path: "/api/v1/workspaces/{wid}/members/{uid}",
    tags: ["workspaces", "moderation"],
    summary: "Change a member's workspace role (owners and admins; the last owner stays)",
    security,
    request: {
      params: z.object({ wid: z.uuid(), uid: z.uuid() }),
      ...body(ChangeWorkspaceRole),
    },
    responses: {
      200: json(WorkspaceMember, "The member with the new role"),
      409: conflictResponse,
      ...errors,
    },
  }),
  listChannels: createRoute({
    method: "get",
    path: "/api/v1/workspaces/{wid}/channels",
    tags: ["channels"],
    security,
    request: { params: wid },
    responses: {
      200: json(ChannelList, "Channels the caller can see, with unread counts"),
      ...errors,
    },
  }),
  createChannel: createRoute({
    method: "post",
    path: "/api/v1/workspaces/{wid}/channels",
    tags: ["channels"],
    security,
    request: { params: wid, ...body(CreateChannel) },
    responses: {
      201: json(Channel, "Created; the caller owns it"),
      409: conflictResponse,
      ...errors,
    },
  }),
  openDm: createRoute({
    method: "post",
    path: "/api/v1/workspaces/{wid}/dms",
    tags: ["dms"],
    security,
    request: { params: wid, ...body(OpenDm) },
    responses: {
      200: json(Dm, "The existing DM of exactly these people"),
      201: json(Dm, "A new DM"),
      ...errors,
    },
  }),
  listDms: createRoute({
    method: "get",
    path: "/api/v1/workspaces/{wid}/dms",
    tags: ["dms"],
    security,
    request: { params: wid },
    responses: { 200: json(DmList, "The caller's DMs, most recently active first"), ...errors },
  }),
  getChannel: createRoute({
    method: "get",
    path: "/api/v1/channels/{cid}",
    tags: ["channels"],
    security,
    request: { params: cid },
    responses: { 200: json(Channel, "The channel"), ...errors },
  }),
  updateChannel: createRoute({
    method: "patch",
    path: "/api/v1/channels/{cid}",
    tags: ["channels"],
    security,
    request: { params: cid, ...body(UpdateChannel) },
    responses: { 200: json(Channel, "The updated channel"), 409: conflictResponse, ...errors },
  }),
  archive: createRoute({
    method: "post",
    path: "/api/v1/channels/{cid}/archive",
    tags: ["channels"],
    security,
    request: { params: cid },
    responses: { 200: json(Channel, "Archived (read-only from now on)"), ...errors },
  }),
  listChannelMembers: createRoute({
    method: "get",
    path: "/api/v1/channels/{cid}/members",
    tags: ["channels"],
    security,
    request: { params: cid },
    responses: { 200: json(ChannelMemberList, "The channel's members"), ...errors },
  }),
  addChannelMember: createRoute({
    method: "post",
    path: "/api/v1/channels/{cid}/members",
    tags: ["channels"],
    security,
    request: { params: cid, ...body(AddChannelMember) },
    responses: { 201: json(ChannelMember, "Added"), 409: conflictResponse, ...errors },
  }),
  removeChannelMember: createRoute({
    method: "delete",
    path: "/api/v1/channels/{cid}/members/{uid}",
    tags: ["channels"],
    security,
    request: { params: z.object({ cid: z.uuid(), uid: z.uuid() }) },
    responses: { 204: { description: "Removed" }, 409: conflictResponse, ...errors },
  }),
  join: createRoute({
    method: "post",
    path: "/api/v1/channels/{cid}/join",
    tags: ["channels"],
    security,
    request: { params: cid },
    responses: { 200: json(Channel, "Joined (or a member already)"), ...errors },
  }),
  leave: createRoute({
    method: "post",
    path: "/api/v1/channels/{cid}/leave",
    tags: ["channels"],
    security,
    request: { params: cid },
    responses: { 204: { description: "Left" }, 409: conflictResponse, ...errors },
  }),
  readChannel: createRoute({
    method: "post",
    path: "/api/v1/channels/{cid}/read",
    tags: ["channels"],
    security,
    request: { params: cid, ...body(MarkRead) },
    responses: { 200: json(ReadState, "The read marker (never moves backwards)"), ...errors },
  }),
  getDm: createRoute({
    method: "get",
    path: "/api/v1/dms/{did}",
    tags: ["dms"],
    security,
    request: { params: did },
    responses: { 200: json(Dm, "The DM"), ...errors },
  }),
  readDm: createRoute({
    method: "post",
    path: "/api/v1/dms/{did}/read",
    tags: ["dms"],
    security,
    request: { params: did, ...body(MarkRead) },
    responses: { 200: json(ReadState, "The read marker (never moves backwards)"), ...errors },
  }),
};

/** Workspaces, channels, membership, DMs and read markers: validate, call one action, answer. */
export function channelsRoutes(d: ChatDeps, auth: MiddlewareHandler): OpenAPIHono {
  const app = new OpenAPIHono();
  for (const prefix of ["/api/v1/workspaces", "/api/v1/channels", "/api/v1/dms"]) {
    app.use(prefix, auth);
    app.use(`${prefix}/*`, auth);
  }
  app.openapi(
    r.listWorkspaces,
    async (c) => c.json({ workspaces: await listWorkspaces(d, c.get("principal")) }, 200),
  );
  app.openapi(
    r.createWorkspace,
    async (c) => c.json(await createWorkspace(d, c.get("principal"), c.req.valid("json")), 201),
  );
  app.openapi(
    r.getWorkspace,
    async (c) => c.json(await getWorkspace(d, c.get("principal"), c.req.valid("param").wid), 200),
  );
  app.openapi(r.listMembers, async (c) => {
    const members = await listWorkspaceMembers(d, c.get("principal"), c.req.valid("param").wid);
    return c.json({ members: members.map(member) as z.infer<typeof WorkspaceMember>[] }, 200);
  });
  app.openapi(r.addMember, async (c) => {
    const m = await addWorkspaceMember(
      d,
      c.get("principal"),
      c.req.valid("param").wid,
      c.req.valid("json"),
    );
    return c.json(member(m) as z.infer<typeof WorkspaceMember>, 201);
  });
  app.openapi(r.changeRole, async (c) => {
    const { wid, uid } = c.req.valid("param");
    const m = await changeWorkspaceRole(d, c.get("principal"), wid, uid, c.req.valid("json").role);
    return c.json(member(m) as z.infer<typeof WorkspaceMember>, 200);
  });
  app.openapi(
    r.listChannels,
    async (c) =>
      c.json(
        { channels: await listChannels(d, c.get("principal"), c.req.valid("param").wid) },
        200,
      ),
  );
  app.openapi(
    r.createChannel,
    async (c) =>
      c.json(
        await createChannel(d, c.get("principal"), c.req.valid("param").wid, c.req.valid("json")),
        201,
      ),
  );
  app.openapi(r.openDm, async (c) => {
    const { dm, created } = await openDm(
      d,
      c.get("principal"),
      c.req.valid("param").wid,
      c.req.valid("json").user_ids,
    );
    return created ? c.json(dm, 201) : c.json(dm, 200);
  });
  app.openapi(
    r.listDms,
    async (c) =>
      c.json({ dms: await listDms(d, c.get("principal"), c.req.valid("param").wid) }, 200),
  );
  app.openapi(
    r.getChannel,
    async (c) => c.json(await getChannel(d, c.get("principal"), c.req.valid("param").cid), 200),
  );
  app.openapi(
    r.updateChannel,
    async (c) =>
      c.json(
        await updateChannel(d, c.get("principal"), c.req.valid("param").cid, c.req.valid("json")),
        200,
      ),
  );
  app.openapi(
    r.archive,
    async (c) => c.json(await archiveChannel(d, c.get("principal"), c.req.valid("param").cid), 200),
  );
  app.openapi(r.listChannelMembers, async (c) => {
    const members = await listChannelMembers(d, c.get("principal"), c.req.valid("param").cid);
    return c.json({ members: members.map(member) as z.infer<typeof ChannelMember>[] }, 200);
  });
  app.openapi(r.addChannelMember, async (c) => {
    const m = await addChannelMember(
      d,
      c.get("principal"),
      c.req.valid("param").cid,
      c.req.valid("json"),
    );
    return c.json(member(m) as z.infer<typeof ChannelMember>, 201);
  });
  app.openapi(r.removeChannelMember, async (c) => {
    const { cid, uid } = c.req.valid("param");
    await removeChannelMember(d, c.get("principal"), cid, uid);
    return c.body(null, 204);
  });
  app.openapi(
    r.join,
    async (c) => c.json(await joinChannel(d, c.get("principal"), c.req.valid("param").cid), 200),
  );
  app.openapi(r.leave, async (c) => {
    const p = c.get("principal");
    await removeChannelMember(d, p, c.req.valid("param").cid, p.userId);
    return c.body(null, 204);
  });
  app.openapi(r.readChannel, async (c) => {
    const ref = { kind: "channel" as const, id: c.req.valid("param").cid };
    return c.json(await markRead(d, c.get("principal"), ref, c.req.valid("json").message_id), 200);
  });
  app.openapi(
    r.getDm,
    async (c) => c.json(await getDm(d, c.get("principal"), c.req.valid("param").did), 200),
  );
  app.openapi(r.readDm, async (c) => {
    const ref = { kind: "dm" as const, id: c.req.valid("param").did };
    return c.json(await markRead(d, c.get("principal"), ref, c.req.valid("json").message_id), 200);
  });
  return app;
}
