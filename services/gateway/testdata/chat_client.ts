import type { EventBus, Sql } from "@colink/platform";
import { passwordGrant } from "@colink/testing";

/** A running CoLink with every service, as the conversation suites drive it. */
export interface ChatTarget {
  base: string;
  tokenUrl: string;
  /** The process's bus (to watch events) and database (to compare with what clients saw). */
  bus: EventBus;
  sql: Sql;
  close(): Promise<void>;
}

export interface Reply<T = unknown> {
  status: number;
  body: T;
  res: Response;
}

/** Dev users the suites act as (password colink-dev), by the part each plays. */
export const PEOPLE = [
  "alice",
  "bob",
  "carol",
  "erin",
  "frank",
  "grace",
  "heidi",
  "mia",
  "admin",
] as const;
export type Person = (typeof PEOPLE)[number];

export interface ChatClient {
  ids: Record<Person, string>;
  /** The access token a dev user's calls carry. */
  token(as: Person): string;
  /** `as` is a dev user, or null for no credentials. */
  call<T = Record<string, unknown>>(
    as: Person | null,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Reply<T>>;
}

/** Signs every dev user in once (each gets provisioned) and returns a client speaking as them. */
export async function chatClient(target: ChatTarget): Promise<ChatClient> {
  const tokens = {} as Record<Person, string>;
  const ids = {} as Record<Person, string>;
  const call: ChatClient["call"] = async (as, method, path, body, headers = {}) => {
    const res = await fetch(`${target.base}${path}`, {
      method,
      headers: {
        ...(as ? { authorization: `Bearer ${tokens[as]}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = text && (res.headers.get("content-type") ?? "").includes("json")
      ? JSON.parse(text)
      : text;
    return { status: res.status, body: parsed, res };
  };
  for (const p of PEOPLE) {
    const g = await passwordGrant(fetch, target.tokenUrl, p);
    if (g.status !== 200) throw new Error(`sign-in of ${p} failed: ${JSON.stringify(g.body)}`);
    tokens[p] = g.body.access_token as string;
    const me = await call<{ id: string }>(p, "GET", "/api/v1/me");
    if (me.status !== 200) throw new Error(`GET /me as ${p}: ${me.status}`);
    ids[p] = me.body.id;
  }
  return { ids, call, token: (as) => tokens[as] };
}

/** Settings that let a test send far more than a person would (the seed's limits are per minute). */
export const GENEROUS_LIMITS = {
  RATE_LIMIT_READS_PER_MIN: "1000000",
  RATE_LIMIT_WRITES_PER_MIN: "1000000",
  RATE_LIMIT_IP_PER_MIN: "1000000",
};
