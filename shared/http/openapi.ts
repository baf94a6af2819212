import type { z } from "@hono/zod-openapi";
import { ErrorBody } from "@colink/contracts";

/** A JSON response (or request body) entry for createRoute(). */
export const jsonContent = <T extends z.ZodType>(
  schema: T,
  description: string,
): { description: string; content: { "application/json": { schema: T } } } => ({
  description,
  content: { "application/json": { schema } },
});

/** The error responses every authenticated route can give, in the one error shape. */
export const commonErrors = {
  400: jsonContent(ErrorBody, "Invalid input (with field details)"),
  401: jsonContent(ErrorBody, "Missing or invalid credentials"),
  429: jsonContent(ErrorBody, "Rate limited"),
} as const;

export const notFoundResponse = jsonContent(ErrorBody, "Not found, or not visible to the caller");

/** Routes take Bearer tokens (or the gateway's session cookie, which it turns into one). */
export const bearerSecurity = [{ bearerAuth: [] }];

export const forbiddenResponse = jsonContent(ErrorBody, "Authenticated but not allowed");
export const conflictResponse = jsonContent(ErrorBody, "Conflicts with the current state");
export const tooLargeResponse = jsonContent(ErrorBody, "Too large");
