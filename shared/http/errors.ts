import type { ContentfulStatusCode } from "hono/utils/http-status";

export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * The one way a handler or action reports a failure to the caller. `code` is stable and
 * machine-readable (snake_case); `message` is for humans. Rendered by the app's onError as
 * `{"error": {"code", "message", "request_id", "details"?}}`.
 */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: FieldIssue[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export const badRequest = (code: string, message: string, details?: FieldIssue[]): HttpError =>
  new HttpError(400, code, message, details);
export const unauthorized = (message = "Authentication required"): HttpError =>
  new HttpError(401, "unauthorized", message, undefined, {
    "WWW-Authenticate": 'Bearer realm="colink"',
  });
export const forbidden = (code: string, message: string): HttpError =>
  new HttpError(403, code, message);
/** Also for things that exist but the caller may not see: private resources are 404, never 403. */
export const notFound = (code: string, message: string): HttpError =>
  new HttpError(404, code, message);
export const conflict = (code: string, message: string): HttpError =>
  new HttpError(409, code, message);
