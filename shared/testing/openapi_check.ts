import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

interface OpenApiDoc {
  paths: Record<
    string,
    Record<
      string,
      { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }
    >
  >;
  components?: unknown;
}

const pointer = (...parts: string[]) =>
  "#/" + parts.map((p) => encodeURIComponent(p.replace(/~/g, "~0").replace(/\//g, "~1"))).join("/");

/** Turns a request path into the document's path template it matches, e.g. /users/1 → /users/{id}. */
function templateFor(doc: OpenApiDoc, path: string): string | undefined {
  if (doc.paths[path]) return path;
  return Object.keys(doc.paths).find((t) => {
    const re = new RegExp(
      "^" + t.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}/g, "[^/]+") + "$",
    );
    return re.test(path);
  });
}

export interface ResponseChecker {
  /** Throws unless the document describes this status for this operation and the body fits its schema. */
  check(method: string, path: string, status: number, body: unknown): void;
}

/**
 * Validates real responses against the generated OpenAPI document (JSON Schema 2020-12), so a
 * handler that drifts from its declared contract fails the tests that exercise it.
 */
export function createResponseChecker(doc: OpenApiDoc): ResponseChecker {
  // deno-lint-ignore no-explicit-any
  const ajv = new Ajv2020({ strict: false, allErrors: true }) as any;
  // deno-lint-ignore no-explicit-any
  (addFormats as any)(ajv);
  ajv.addSchema({ ...doc, $id: "openapi" });
  return {
    check(method, path, status, body) {
      const template = templateFor(doc, new URL(path, "http://x").pathname);
      const m = method.toLowerCase();
      if (!template || !doc.paths[template]![m]) {
        throw new Error(`${method} ${path} is not in the OpenAPI document`);
      }
      const responses = doc.paths[template]![m]!.responses ?? {};
      if (!responses[String(status)]) {
        throw new Error(
          `${method} ${template} answered ${status}, which the document does not declare`,
        );
      }
      const schema = responses[String(status)]!.content?.["application/json"]?.schema;
      if (!schema) return;
      const ref = "openapi" +
        pointer(
          "paths",
          template,
          m,
          "responses",
          String(status),
          "content",
          "application/json",
          "schema",
        );
      const validate = ajv.getSchema(ref);
      if (!validate) throw new Error(`cannot resolve ${ref}`);
      if (!validate(body)) {
        throw new Error(
          `${method} ${template} ${status} body does not match its schema: ${
            ajv.errorsText(validate.errors)
          }\n${JSON.stringify(body)}`,
        );
      }
    },
  };
}

export type CheckedClient = (
  path: string,
  init?: RequestInit,
) => Promise<{ status: number; body: unknown; res: Response }>;

/** `app.request` that also checks every JSON response against the document. */
export function checkedClient(
  app: { request(path: string, init?: RequestInit): Response | Promise<Response> },
  checker: ResponseChecker,
): CheckedClient {
  return async (
    path: string,
    init: RequestInit = {},
  ): Promise<{ status: number; body: unknown; res: Response }> => {
    const res = await app.request(path, init);
    const text = await res.text();
    const body = text && (res.headers.get("content-type") ?? "").includes("json")
      ? JSON.parse(text)
      : text;
    checker.check(init.method ?? "GET", path, res.status, body);
    return { status: res.status, body, res };
  };
}
