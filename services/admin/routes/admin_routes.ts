import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import {
  AuditLog,
  AuditQuery,
  CloseReport,
  CreateModerationAction,
  Message,
  ModerationActionList,
  ModerationActionQuery,
  ModerationActionRecord,
  Report,
  ReportList,
  ReportQuery,
} from "@colink/contracts";
import {
  bearerSecurity as security,
  commonErrors,
  conflictResponse,
  forbiddenResponse,
  jsonContent as json,
  notFoundResponse,
} from "@colink/http";
import { exportAuditCsv, listAudit, recordDenied } from "../actions/audit.ts";
import type { AdminDeps } from "../actions/deps.ts";
import {
  listModerationActions,
  takeModerationAction,
  undoModerationAction,
} from "../actions/moderation.ts";
import { closeReport, listReports } from "../actions/reports.ts";
import { setThreadLock } from "../actions/threads.ts";

const errors = { ...commonErrors, 403: forbiddenResponse, 404: notFoundResponse };
const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});
const id = z.object({ id: z.uuid() });
const mid = z.object({ mid: z.uuid() });
const tags = ["moderation"];

const r = {
  act: createRoute({
    method: "post",
    path: "/api/v1/admin/moderation-actions",
    tags,
    summary: "Warn, mute, kick or ban a user (realm roles admin and moderator)",
    security,
    request: body(CreateModerationAction),
    responses: {
      201: json(ModerationActionRecord, "Taken, audited, and announced to the user"),
      409: conflictResponse,
      ...errors,
    },
  }),
  list: createRoute({
    method: "get",
    path: "/api/v1/admin/moderation-actions",
    tags,
    security,
    request: { query: ModerationActionQuery },
    responses: { 200: json(ModerationActionList, "Newest first"), ...errors },
  }),
  undo: createRoute({
    method: "delete",
    path: "/api/v1/admin/moderation-actions/{id}",
    tags,
    summary: "Undo a mute or a ban",
    security,
    request: { params: id },
    responses: {
      200: json(ModerationActionRecord, "Lifted"),
      409: conflictResponse,
      ...errors,
    },
  }),
  reports: createRoute({
    method: "get",
    path: "/api/v1/admin/reports",
    tags,
    summary: "The moderation queue",
    security,
    request: { query: ReportQuery },
    responses: { 200: json(ReportList, "Oldest first"), ...errors },
  }),
  resolve: createRoute({
    method: "post",
    path: "/api/v1/admin/reports/{id}/resolve",
    tags,
    security,
    request: { params: id, ...body(CloseReport) },
    responses: { 200: json(Report, "Resolved"), 409: conflictResponse, ...errors },
  }),
  dismiss: createRoute({
    method: "post",
    path: "/api/v1/admin/reports/{id}/dismiss",
    tags,
    security,
    request: { params: id, ...body(CloseReport) },
    responses: { 200: json(Report, "Dismissed"), 409: conflictResponse, ...errors },
  }),
  lock: createRoute({
    method: "put",
    path: "/api/v1/admin/threads/{mid}/lock",
    tags,
    summary: "Lock a thread: no new replies",
    security,
    request: { params: mid },
    responses: {
      200: json(Message, "The thread's first message"),
      409: conflictResponse,
      ...errors,
    },
  }),
  unlock: createRoute({
    method: "delete",
    path: "/api/v1/admin/threads/{mid}/lock",
    tags,
    security,
    request: { params: mid },
    responses: {
      200: json(Message, "The thread's first message"),
      409: conflictResponse,
      ...errors,
    },
  }),
  audit: createRoute({
    method: "get",
    path: "/api/v1/admin/audit-log",
    tags,
    summary: "The audit log (realm admins); Accept: text/csv exports every matching entry",
    security,
    request: { query: AuditQuery },
    responses: {
      200: {
        description: "Newest first",
        content: {
          "application/json": { schema: AuditLog },
          "text/csv": { schema: z.string() },
        },
      },
      ...errors,
    },
  }),
};

/** Records every 403 an admin route gives a signed-in caller (after the handler answered). */
function auditDenied(d: AdminDeps): MiddlewareHandler {
  return async function auditDenied(c, next) {
    await next();
    const principal = c.get("principal");
    if (c.res.status !== 403 || !principal) return;
    const code = await c.res.clone().json().then((b) => b?.error?.code ?? "forbidden")
      .catch(() => "forbidden");
    await recordDenied(d, principal, {
      method: c.req.method,
      path: c.req.path,
      code,
      ip: c.req.header("x-forwarded-for")?.split(",")[0]?.trim() ?? null,
    }).catch((e) => d.logger.error("admin: could not audit a denied attempt", { err: e }));
  };
}

/** Moderation, reports, thread locks and the audit log: validate, call one action, answer. */
export function adminRoutes(d: AdminDeps, auth: MiddlewareHandler): OpenAPIHono {
  const app = new OpenAPIHono();
  app.use("/api/v1/admin/*", auth, auditDenied(d));
  app.openapi(
    r.act,
    async (c) =>
      c.json(await takeModerationAction(d, c.get("principal"), c.req.valid("json")), 201),
  );
  app.openapi(
    r.list,
    async (c) =>
      c.json(await listModerationActions(d, c.get("principal"), c.req.valid("query")), 200),
  );
  app.openapi(
    r.undo,
    async (c) =>
      c.json(await undoModerationAction(d, c.get("principal"), c.req.valid("param").id), 200),
  );
  app.openapi(
    r.reports,
    async (c) => c.json(await listReports(d, c.get("principal"), c.req.valid("query")), 200),
  );
  for (const [route, status] of [[r.resolve, "resolved"], [r.dismiss, "dismissed"]] as const) {
    app.openapi(route, async (c) =>
      c.json(
        await closeReport(
          d,
          c.get("principal"),
          c.req.valid("param").id,
          status,
          c.req.valid("json").note,
        ),
        200,
      ));
  }
  app.openapi(
    r.lock,
    async (c) =>
      c.json(await setThreadLock(d, c.get("principal"), c.req.valid("param").mid, true), 200),
  );
  app.openapi(
    r.unlock,
    async (c) =>
      c.json(await setThreadLock(d, c.get("principal"), c.req.valid("param").mid, false), 200),
  );
  app.openapi(r.audit, async (c) => {
    const q = c.req.valid("query");
    if ((c.req.header("accept") ?? "").includes("text/csv")) {
      const stream = exportAuditCsv(d, c.get("principal"), q);
      return c.body(stream, 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="colink-audit-log.csv"`,
      });
    }
    return c.json(await listAudit(d, c.get("principal"), q), 200);
  });
  return app;
}
