import { z } from "zod";

/** The one error shape every CoLink endpoint answers with (see shared/API.md, "Errors"). */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string().regex(/^[a-z][a-z0-9_]*$/),
    message: z.string(),
    request_id: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/**
 * A dependency (Redis, the IdP's keys, ...) did not answer in time. Not the caller's fault and
 * not a credential problem: HTTP answers 503 `dependency_unavailable` with Retry-After, the
 * WebSocket closes with a retryable code. `dependency` names it for logs and metrics; the
 * message (which may carry driver internals) is logged, never sent to callers.
 */
export class DependencyUnavailableError extends Error {
  constructor(readonly dependency: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DependencyUnavailableError";
  }
}
