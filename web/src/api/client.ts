/**
 * The one fetch wrapper: same-origin cookie credentials, JSON in and out, the X-CSRF-Token
 * header on unsafe methods (the gateway refuses cookie-authenticated writes without it), and
 * the API's error shape turned into an ApiError that says what went wrong.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    /** Seconds the server asked us to wait (429, 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** Worth trying again unchanged: the network, the server's own trouble, or a rate limit. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

let csrfToken = "";
let onUnauthorized: (e: ApiError) => void = () => {};

/** Set from GET /auth/session; every unsafe request echoes it. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/**
 * Called once a request proves the session is gone (401, or 403 `account_banned`), so the app
 * can show the sign-in screen.
 */
export function setUnauthorizedHandler(handler: (e: ApiError) => void): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Parses `{"error": {"code", "message", "request_id"}}`, or makes one up for other bodies. */
export async function toApiError(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  let requestId = res.headers.get("x-request-id") ?? undefined;
  try {
    const body = await res.json() as {
      error?: { code?: string; message?: string; request_id?: string };
    };
    if (body?.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
      requestId = body.error.request_id ?? requestId;
    }
  } catch {
    // Not JSON (a proxy's error page): the status line is all we have.
  }
  const retry = Number(res.headers.get("retry-after"));
  return new ApiError(
    res.status,
    code,
    message,
    requestId,
    Number.isFinite(retry) ? retry : undefined,
  );
}

/** One request, answered with a 2xx Response (anything else becomes an ApiError). */
export async function fetchOk(
  method: string,
  path: string,
  body?: unknown,
  opts: RequestOptions = {},
): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json", ...opts.headers };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (!SAFE.has(method) && csrfToken) headers["x-csrf-token"] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiError(0, "network_error", "The server cannot be reached");
  }
  if (!res.ok) {
    const err = await toApiError(res);
    if (res.status === 401 || err.code === "account_banned") onUnauthorized(err);
    throw err;
  }
  return res;
}

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  opts: RequestOptions = {},
): Promise<T> {
  const res = await fetchOk(method, path, body, opts);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string, opts?: RequestOptions): Promise<T> =>
    request<T>("GET", path, undefined, opts),
  post: <T>(path: string, body?: unknown, opts?: RequestOptions): Promise<T> =>
    request<T>("POST", path, body, opts),
  put: <T>(path: string, body?: unknown, opts?: RequestOptions): Promise<T> =>
    request<T>("PUT", path, body, opts),
  patch: <T>(path: string, body?: unknown, opts?: RequestOptions): Promise<T> =>
    request<T>("PATCH", path, body, opts),
  del: <T>(path: string, opts?: RequestOptions): Promise<T> =>
    request<T>("DELETE", path, undefined, opts),
};
