import { z } from "@hono/zod-openapi";

/** Text we store: PostgreSQL cannot hold NUL characters, so they are invalid input, not a 500. */
const text = () =>
  z.string().refine((v) => !v.includes("\u0000"), "must not contain NUL characters");

export const UserProfile = z.object({
  id: z.uuid(),
  username: z.string(),
  display_name: z.string(),
  email: z.string().nullable(),
  avatar_url: z.string().nullable(),
  status: z.object({
    status_text: z.string(),
    status_emoji: z.string(),
    status_expiry: z.iso.datetime({ offset: true }).nullable(),
  }).nullable(),
}).openapi("UserProfile");
export type UserProfile = z.infer<typeof UserProfile>;

export const UpdateProfile = z.object({
  display_name: text().pipe(z.string().trim().min(1).max(80)).optional(),
  avatar_url: z.url({ protocol: /^https?$/ }).max(2048).nullable().optional(),
}).strict().openapi("UpdateProfile");

export const SetStatus = z.object({
  status_text: text().pipe(z.string().max(140)).default(""),
  status_emoji: text().pipe(z.string().max(64)).default(""),
  status_expiry: z.iso.datetime({ offset: true }).nullable().default(null),
}).strict().openapi("SetStatus");

export const UserList = z.object({ users: z.array(UserProfile) }).openapi("UserList");

export const UserSearchQuery = z.object({
  q: text().pipe(z.string().trim().max(100)).default(""),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
