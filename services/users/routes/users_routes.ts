import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  SetStatus,
  UpdateProfile,
  UserList,
  UserProfile,
  UserSearchQuery,
} from "@colink/contracts";
import { bearerSecurity, commonErrors, jsonContent, notFoundResponse } from "@colink/http";
import type { MiddlewareHandler } from "hono";
import {
  getProfile,
  getVisibleProfile,
  type ProfileDeps,
  searchUsers,
  setStatus,
  updateProfile,
} from "../actions/profiles.ts";

const security = bearerSecurity;
const errors = commonErrors;
const json = jsonContent;

const getMe = createRoute({
  method: "get",
  path: "/api/v1/me",
  tags: ["users"],
  security,
  responses: { 200: json(UserProfile, "The caller's profile"), ...errors },
});
const patchMe = createRoute({
  method: "patch",
  path: "/api/v1/me",
  tags: ["users"],
  security,
  request: { body: { content: { "application/json": { schema: UpdateProfile } }, required: true } },
  responses: { 200: json(UserProfile, "The updated profile"), ...errors },
});
const putStatus = createRoute({
  method: "put",
  path: "/api/v1/me/status",
  tags: ["users"],
  security,
  request: { body: { content: { "application/json": { schema: SetStatus } }, required: true } },
  responses: { 200: json(UserProfile, "The profile with its new status"), ...errors },
});
const listUsers = createRoute({
  method: "get",
  path: "/api/v1/users",
  tags: ["users"],
  security,
  request: { query: UserSearchQuery },
  responses: { 200: json(UserList, "Matching users"), ...errors },
});
const getUser = createRoute({
  method: "get",
  path: "/api/v1/users/{id}",
  tags: ["users"],
  security,
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 200: json(UserProfile, "The user"), 404: notFoundResponse, ...errors },
});

export function usersRoutes(d: ProfileDeps, auth: MiddlewareHandler): OpenAPIHono {
  const app = new OpenAPIHono();
  app.use("/api/v1/me", auth);
  app.use("/api/v1/me/*", auth);
  app.use("/api/v1/users", auth);
  app.use("/api/v1/users/*", auth);
  app.openapi(getMe, async (c) => c.json(await getProfile(d, c.get("principal").userId), 200));
  app.openapi(
    patchMe,
    async (c) =>
      c.json(await updateProfile(d, c.get("principal").userId, c.req.valid("json")), 200),
  );
  app.openapi(
    putStatus,
    async (c) => c.json(await setStatus(d, c.get("principal").userId, c.req.valid("json")), 200),
  );
  app.openapi(listUsers, async (c) => {
    const { q, limit } = c.req.valid("query");
    return c.json({ users: await searchUsers(d, c.get("principal"), q, limit) }, 200);
  });
  app.openapi(
    getUser,
    async (c) =>
      c.json(await getVisibleProfile(d, c.get("principal"), c.req.valid("param").id), 200),
  );
  return app;
}
