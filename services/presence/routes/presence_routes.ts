import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { KeyValue, Sql } from "@colink/platform";
import { bearerSecurity as security, commonErrors, jsonContent as json } from "@colink/http";
import { readPresence } from "../actions/read_presence.ts";

const Presence = z.record(
  z.uuid(),
  z.object({
    status: z.enum(["online", "away", "offline"]),
    last_seen: z.iso.datetime({ offset: true }).nullable(),
  }),
).openapi("Presence");

const getPresence = createRoute({
  method: "get",
  path: "/api/v1/presence",
  tags: ["presence"],
  security,
  request: {
    query: z.object({
      user_ids: z.string().transform((v) => v.split(",").filter(Boolean)).pipe(
        z.array(z.uuid()).min(1).max(200),
      ),
    }),
  },
  responses: {
    200: json(Presence, "Each user's status and when they were last seen"),
    ...commonErrors,
  },
});

export function presenceRoutes(
  d: { sql: Sql; kv: KeyValue },
  auth: MiddlewareHandler,
): OpenAPIHono {
  const app = new OpenAPIHono();
  app.use("/api/v1/presence", auth);
  app.openapi(
    getPresence,
    async (c) =>
      c.json(await readPresence(d, c.get("principal"), c.req.valid("query").user_ids), 200),
  );
  return app;
}
