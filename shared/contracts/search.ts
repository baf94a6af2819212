import { z } from "@hono/zod-openapi";
import { Message } from "./conversations.ts";
import { AttachedFile } from "./files.ts";

/** REST shapes of search (shared/API.md: the search rows and "Search"). */

const uuid = z.uuid();
const datetime = z.iso.datetime({ offset: true });
const day = z.string().regex(
  /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/,
  "a date: YYYY-MM-DD or an ISO time",
);

export const MessageSearchQuery = z.object({
  q: z.string().max(1000).default("").openapi({
    description: 'Words, "phrases" and in:#channel from:@user before: after: has:file is:thread',
  }),
  in: uuid.optional().openapi({ description: "A channel or DM id" }),
  from: uuid.optional().openapi({ description: "An author's user id" }),
  before: day.optional(),
  after: day.optional(),
  has: z.enum(["file"]).optional(),
  is: z.enum(["thread"]).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().max(200).optional(),
});

export const MessageHit = z.object({
  message: Message,
  highlight: z.string().openapi({ description: "Escaped text with <mark> around the matches" }),
  score: z.number(),
}).openapi("MessageHit");

export const MessageSearchResult = z.object({
  hits: z.array(MessageHit).openapi({ description: "Best first (relevance, then recency)" }),
  next_cursor: z.string().nullable(),
}).openapi("MessageSearchResult");

export const FileSearchQuery = z.object({
  q: z.string().max(1000).default(""),
  in: uuid.optional(),
  from: uuid.optional(),
  type: z.string().max(100).regex(/^[\w.+-]+\/([\w.+-]*)$/, "a media type or a prefix like image/")
    .optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().max(200).optional(),
});

export const FoundFile = AttachedFile.extend({
  channel_id: uuid.nullable(),
  dm_id: uuid.nullable(),
  uploader_id: uuid,
  message_id: uuid.nullable(),
  created_at: datetime,
}).openapi("FoundFile");
export type FoundFile = z.infer<typeof FoundFile>;

export const FileHit = z.object({
  file: FoundFile,
  highlight: z.string(),
}).openapi("FileHit");

export const FileSearchResult = z.object({
  hits: z.array(FileHit),
  next_cursor: z.string().nullable(),
}).openapi("FileSearchResult");
