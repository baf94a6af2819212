import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import {
  FileInfo,
  FileVersions,
  NewVersionRequest,
  UploadUrl,
  UploadUrlRequest,
} from "@colink/contracts";
import {
  bearerSecurity as security,
  commonErrors,
  conflictResponse,
  forbiddenResponse,
  jsonContent as json,
  notFoundResponse,
  tooLargeResponse,
} from "@colink/http";
import { confirmUpload } from "../actions/confirm.ts";
import type { FilesDeps } from "../actions/deps.ts";
import { downloadUrl, getFile, listVersions, thumbnailUrl } from "../actions/downloads.ts";
import { requestNewVersion, requestUpload } from "../actions/uploads.ts";

const errors = { ...commonErrors, 403: forbiddenResponse, 404: notFoundResponse };
const fid = z.object({ fid: z.uuid() });
const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});
const redirect = { 302: { description: "Redirect to a short-lived URL of the bytes" } };

const r = {
  uploadUrl: createRoute({
    method: "post",
    path: "/api/v1/files/upload-url",
    tags: ["files"],
    security,
    request: body(UploadUrlRequest),
    responses: {
      201: json(UploadUrl, "PUT the bytes there, then confirm"),
      413: tooLargeResponse,
      ...errors,
    },
  }),
  newVersion: createRoute({
    method: "post",
    path: "/api/v1/files/{fid}/versions",
    tags: ["files"],
    security,
    request: { params: fid, ...body(NewVersionRequest) },
    responses: {
      201: json(UploadUrl, "PUT the new version's bytes there, then confirm"),
      409: conflictResponse,
      413: tooLargeResponse,
      ...errors,
    },
  }),
  confirm: createRoute({
    method: "post",
    path: "/api/v1/files/{fid}/confirm",
    tags: ["files"],
    security,
    request: { params: fid },
    responses: {
      200: json(FileInfo, "Checked and scanned (or pending, if the scanner gave no answer)"),
      409: conflictResponse,
      ...errors,
    },
  }),
  get: createRoute({
    method: "get",
    path: "/api/v1/files/{fid}",
    tags: ["files"],
    security,
    request: { params: fid },
    responses: { 200: json(FileInfo, "The file's metadata"), ...errors },
  }),
  versions: createRoute({
    method: "get",
    path: "/api/v1/files/{fid}/versions",
    tags: ["files"],
    security,
    request: { params: fid },
    responses: { 200: json(FileVersions, "Every uploaded version, newest first"), ...errors },
  }),
  download: createRoute({
    method: "get",
    path: "/api/v1/files/{fid}/download",
    tags: ["files"],
    security,
    request: {
      params: fid,
      query: z.object({
        version: z.coerce.number().int().positive().optional().openapi({
          description: "An older version (default: the current one)",
        }),
      }),
    },
    responses: { ...redirect, 409: conflictResponse, ...errors },
  }),
  thumbnail: createRoute({
    method: "get",
    path: "/api/v1/files/{fid}/thumbnail",
    tags: ["files"],
    security,
    request: { params: fid },
    responses: { ...redirect, ...errors },
  }),
};

/** Uploads, confirmation, metadata, versions and downloads: validate, one action, answer. */
export function filesRoutes(d: FilesDeps, auth: MiddlewareHandler): OpenAPIHono {
  const app = new OpenAPIHono();
  app.use("/api/v1/files/*", auth);
  app.openapi(
    r.uploadUrl,
    async (c) => c.json(await requestUpload(d, c.get("principal"), c.req.valid("json")), 201),
  );
  app.openapi(r.newVersion, async (c) =>
    c.json(
      await requestNewVersion(d, c.get("principal"), c.req.valid("param").fid, c.req.valid("json")),
      201,
    ));
  app.openapi(
    r.confirm,
    async (c) => c.json(await confirmUpload(d, c.get("principal"), c.req.valid("param").fid), 200),
  );
  app.openapi(
    r.get,
    async (c) => c.json(await getFile(d, c.get("principal"), c.req.valid("param").fid), 200),
  );
  app.openapi(
    r.versions,
    async (c) => c.json(await listVersions(d, c.get("principal"), c.req.valid("param").fid), 200),
  );
  app.openapi(r.download, async (c) => {
    const url = await downloadUrl(
      d,
      c.get("principal"),
      c.req.valid("param").fid,
      c.req.valid("query").version,
    );
    c.header("Cache-Control", "private, no-store");
    return c.redirect(url, 302);
  });
  app.openapi(r.thumbnail, async (c) => {
    const url = await thumbnailUrl(d, c.get("principal"), c.req.valid("param").fid);
    c.header("Cache-Control", "private, no-store");
    return c.redirect(url, 302);
  });
  return app;
}
