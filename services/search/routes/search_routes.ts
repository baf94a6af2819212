import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import {
  FileSearchQuery,
  FileSearchResult,
  MessageSearchQuery,
  MessageSearchResult,
} from "@colink/contracts";
import { bearerSecurity as security, commonErrors, jsonContent as json } from "@colink/http";
import { type SearchDeps, searchFiles, searchMessages } from "../actions/search.ts";

const r = {
  messages: createRoute({
    method: "get",
    path: "/api/v1/search/messages",
    tags: ["search"],
    summary: "Ranked message search over the conversations the caller can read",
    security,
    request: { query: MessageSearchQuery },
    responses: { 200: json(MessageSearchResult, "Hits with highlights"), ...commonErrors },
  }),
  files: createRoute({
    method: "get",
    path: "/api/v1/search/files",
    tags: ["search"],
    summary: "Files by name and type, in the conversations the caller can read",
    security,
    request: { query: FileSearchQuery },
    responses: { 200: json(FileSearchResult, "Hits with highlights"), ...commonErrors },
  }),
};

/** Search: validate, call one action, answer. */
export function searchRoutes(d: SearchDeps, auth: MiddlewareHandler): OpenAPIHono {
  const app = new OpenAPIHono();
  app.use("/api/v1/search/*", auth);
  app.openapi(
    r.messages,
    async (c) => c.json(await searchMessages(d, c.get("principal"), c.req.valid("query")), 200),
  );
  app.openapi(
    r.files,
    async (c) => c.json(await searchFiles(d, c.get("principal"), c.req.valid("query")), 200),
  );
  return app;
}
