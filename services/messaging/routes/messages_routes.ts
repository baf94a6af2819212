import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import {
  CreateReport,
  EditMessage,
  Message,
  MessagePage,
  PageQuery,
  ReplyPage,
  Report,
  SendMessage,
} from "@colink/contracts";
import type { ChatDeps, ConversationRef } from "@colink/conversations";
import {
  badRequest,
  bearerSecurity as security,
  commonErrors,
  conflictResponse,
  forbiddenResponse,
  jsonContent as json,
  notFoundResponse,
  tooLargeResponse,
} from "@colink/http";
import {
  deleteMessage,
  editMessage,
  getMessage,
  listMessages,
  listReplies,
} from "../actions/messages.ts";
import { addReaction, removeReaction } from "../actions/reactions.ts";
import { reportMessage } from "../actions/reports.ts";
import { checkMessage, type SendTarget } from "../actions/send.ts";
import type { SendQueue } from "../actions/send_queue.ts";

const errors = { ...commonErrors, 403: forbiddenResponse, 404: notFoundResponse };
const sendResponses = {
  200: json(Message, "A retry with a known Idempotency-Key: the original message"),
  201: json(Message, "Sent"),
  409: conflictResponse,
  413: tooLargeResponse,
  ...errors,
};
const IdempotencyHeader = z.object({
  "idempotency-key": z.string().min(1).max(255).optional().openapi({
    description: "Retries with the same key return the original message and create nothing",
  }),
});
const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});
const mid = z.object({ mid: z.uuid() });
const reaction = z.object({
  mid: z.uuid(),
  emoji: z.string().min(1).max(64).openapi({ description: "A Unicode emoji or :short_name:" }),
});

const sendTo = (path: string, param: "cid" | "did") =>
  createRoute({
    method: "post",
    path,
    tags: ["messages"],
    security,
    request: {
      params: z.object({ [param]: z.uuid() }) as z.ZodObject<Record<string, z.ZodUUID>>,
      headers: IdempotencyHeader,
      ...body(SendMessage),
    },
    responses: sendResponses,
  });
const history = (path: string, param: "cid" | "did") =>
  createRoute({
    method: "get",
    path,
    tags: ["messages"],
    security,
    request: {
      params: z.object({ [param]: z.uuid() }) as z.ZodObject<Record<string, z.ZodUUID>>,
      query: PageQuery,
    },
    responses: { 200: json(MessagePage, "Newest first"), ...errors },
  });

const r = {
  sendChannel: sendTo("/api/v1/channels/{cid}/messages", "cid"),
  sendDm: sendTo("/api/v1/dms/{did}/messages", "did"),
  listChannel: history("/api/v1/channels/{cid}/messages", "cid"),
  listDm: history("/api/v1/dms/{did}/messages", "did"),
  get: createRoute({
    method: "get",
    path: "/api/v1/messages/{mid}",
    tags: ["messages"],
    security,
    request: { params: mid },
    responses: { 200: json(Message, "The message (a tombstone if deleted)"), ...errors },
  }),
  edit: createRoute({
    method: "patch",
    path: "/api/v1/messages/{mid}",
    tags: ["messages"],
    security,
    request: { params: mid, ...body(EditMessage) },
    responses: {
      200: json(Message, "Edited"),
      409: conflictResponse,
      413: tooLargeResponse,
      ...errors,
    },
  }),
  delete: createRoute({
    method: "delete",
    path: "/api/v1/messages/{mid}",
    tags: ["messages"],
    security,
    request: { params: mid },
    responses: { 204: { description: "Deleted (a tombstone remains)" }, ...errors },
  }),
  report: createRoute({
    method: "post",
    path: "/api/v1/messages/{mid}/report",
    tags: ["messages", "moderation"],
    security,
    request: { params: mid, ...body(CreateReport) },
    responses: {
      201: json(Report, "Queued for the moderators"),
      200: json(Report, "You reported it already: your first report"),
      409: conflictResponse,
      ...errors,
    },
  }),
  reply: createRoute({
    method: "post",
    path: "/api/v1/messages/{mid}/replies",
    tags: ["messages"],
    security,
    request: { params: mid, headers: IdempotencyHeader, ...body(SendMessage) },
    responses: sendResponses,
  }),
  replies: createRoute({
    method: "get",
    path: "/api/v1/messages/{mid}/replies",
    tags: ["messages"],
    security,
    request: { params: mid, query: PageQuery },
    responses: { 200: json(ReplyPage, "The thread, replies oldest first"), ...errors },
  }),
  react: createRoute({
    method: "put",
    path: "/api/v1/messages/{mid}/reactions/{emoji}",
    tags: ["messages"],
    security,
    request: { params: reaction },
    responses: {
      200: json(Message, "The message with its reactions"),
      409: conflictResponse,
      ...errors,
    },
  }),
  unreact: createRoute({
    method: "delete",
    path: "/api/v1/messages/{mid}/reactions/{emoji}",
    tags: ["messages"],
    security,
    request: { params: reaction },
    responses: { 200: json(Message, "The message with its reactions"), ...errors },
  }),
};

/** Messages, threads and reactions: validate, call one action, answer. */
export function messagesRoutes(
  d: ChatDeps,
  queue: SendQueue,
  auth: MiddlewareHandler,
): OpenAPIHono {
  const app = new OpenAPIHono();
  for (
    const path of ["/api/v1/channels/*", "/api/v1/dms/*", "/api/v1/messages", "/api/v1/messages/*"]
  ) {
    app.use(path, auth);
  }
  const send = async (c: Context, target: SendTarget, input: SendMessage, key?: string) => {
    const checked = await checkMessage(d, c.get("principal"), target, input, key);
    const { status, message } = await queue.send(checked);
    return { status, message };
  };
  const conv = (kind: ConversationRef["kind"], id: string): SendTarget => ({
    conversation: { kind, id },
  });
  app.openapi(r.sendChannel, async (c) => {
    const { status, message } = await send(
      c,
      conv("channel", c.req.valid("param").cid!),
      c.req.valid("json"),
      c.req.valid("header")["idempotency-key"],
    );
    return c.json(message, status);
  });
  app.openapi(r.sendDm, async (c) => {
    const { status, message } = await send(
      c,
      conv("dm", c.req.valid("param").did!),
      c.req.valid("json"),
      c.req.valid("header")["idempotency-key"],
    );
    return c.json(message, status);
  });
  app.openapi(r.reply, async (c) => {
    const { status, message } = await send(
      c,
      { parentId: c.req.valid("param").mid },
      c.req.valid("json"),
      c.req.valid("header")["idempotency-key"],
    );
    return c.json(message, status);
  });
  app.openapi(r.listChannel, async (c) => {
    const q = pageQuery(c.req.valid("query"));
    const ref = { kind: "channel" as const, id: c.req.valid("param").cid! };
    return c.json(await listMessages(d, c.get("principal"), ref, q), 200);
  });
  app.openapi(r.listDm, async (c) => {
    const q = pageQuery(c.req.valid("query"));
    const ref = { kind: "dm" as const, id: c.req.valid("param").did! };
    return c.json(await listMessages(d, c.get("principal"), ref, q), 200);
  });
  app.openapi(
    r.get,
    async (c) => c.json(await getMessage(d, c.get("principal"), c.req.valid("param").mid), 200),
  );
  app.openapi(
    r.edit,
    async (c) =>
      c.json(
        await editMessage(
          d,
          c.get("principal"),
          c.req.valid("param").mid,
          c.req.valid("json").content,
        ),
        200,
      ),
  );
  app.openapi(r.report, async (c) => {
    const { mid } = c.req.valid("param");
    const r = await reportMessage(d, c.get("principal"), mid, c.req.valid("json").reason);
    return c.json(r.report, r.created ? 201 : 200);
  });
  app.openapi(r.delete, async (c) => {
    await deleteMessage(d, c.get("principal"), c.req.valid("param").mid);
    return c.body(null, 204);
  });
  app.openapi(
    r.replies,
    async (c) =>
      c.json(
        await listReplies(
          d,
          c.get("principal"),
          c.req.valid("param").mid,
          pageQuery(c.req.valid("query")),
        ),
        200,
      ),
  );
  app.openapi(r.react, async (c) => {
    const { mid, emoji } = c.req.valid("param");
    return c.json(await addReaction(d, c.get("principal"), mid, emoji), 200);
  });
  app.openapi(r.unreact, async (c) => {
    const { mid, emoji } = c.req.valid("param");
    return c.json(await removeReaction(d, c.get("principal"), mid, emoji), 200);
  });
  return app;
}

function pageQuery<Q extends { before?: string; after?: string }>(q: Q): Q {
  if (q.before && q.after) {
    throw badRequest("invalid_request", "Give before or after, not both", [
      { path: "after", message: "cannot be combined with before" },
    ]);
  }
  return q;
}
