import { z } from "@hono/zod-openapi";
import { AttachedFile } from "./files.ts";

/**
 * REST shapes of workspaces, channels, DMs, messages, threads, reactions and read state
 * (shared/API.md). Request bodies are strict: unknown fields, wrong types and operator objects
 * such as {"$ne": ...} are 400s, never silently ignored.
 */

/** Text we store: PostgreSQL cannot hold NUL characters, so they are invalid input, not a 500. */
const text = () =>
  z.string().refine((v) => !v.includes("\u0000"), "must not contain NUL characters");
const datetime = z.iso.datetime({ offset: true });
const uuid = z.uuid();

export const WORKSPACE_ROLES = ["owner", "admin", "member", "guest"] as const;
export const CHANNEL_ROLES = ["owner", "admin", "member"] as const;
export const WorkspaceRole = z.enum(WORKSPACE_ROLES);
export const ChannelRole = z.enum(CHANNEL_ROLES);

// ---- workspaces ----

export const Workspace = z.object({
  id: uuid,
  name: z.string(),
  slug: z.string(),
  role: WorkspaceRole.nullable().openapi({ description: "The caller's role" }),
  created_at: datetime,
}).openapi("Workspace");
export type Workspace = z.infer<typeof Workspace>;

export const WorkspaceList = z.object({ workspaces: z.array(Workspace) }).openapi("WorkspaceList");

export const CreateWorkspace = z.object({
  name: text().pipe(z.string().trim().min(1).max(80)),
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits and '-'"),
}).strict().openapi("CreateWorkspace");

export const WorkspaceMember = z.object({
  user_id: uuid,
  role: WorkspaceRole,
  joined_at: datetime,
}).openapi("WorkspaceMember");
export const WorkspaceMemberList = z.object({ members: z.array(WorkspaceMember) }).openapi(
  "WorkspaceMemberList",
);
export const AddWorkspaceMember = z.object({
  user_id: uuid,
  role: WorkspaceRole.default("member"),
}).strict().openapi("AddWorkspaceMember");

// ---- channels ----

export const Channel = z.object({
  id: uuid,
  workspace_id: uuid,
  name: z.string(),
  description: z.string(),
  is_private: z.boolean(),
  is_default: z.boolean(),
  archived_at: datetime.nullable(),
  created_by: uuid.nullable(),
  created_at: datetime,
  role: ChannelRole.nullable().openapi({ description: "The caller's role; null: not a member" }),
  member_count: z.number().int().nonnegative(),
  unread_count: z.number().int().nonnegative(),
  mention_count: z.number().int().nonnegative(),
  last_read_message_id: uuid.nullable(),
  last_message_at: datetime.nullable(),
}).openapi("Channel");
export type Channel = z.infer<typeof Channel>;
export const ChannelList = z.object({ channels: z.array(Channel) }).openapi("ChannelList");

/** "Team Chat" becomes "team-chat": names are lowercase, without spaces, unique per workspace. */
const channelName = text().pipe(
  z.string().trim().toLowerCase().transform((v) => v.replace(/\s+/g, "-")).pipe(
    z.string().regex(
      /^[a-z0-9][a-z0-9_-]{0,79}$/,
      "1-80 characters: lowercase letters, digits, '-' and '_'",
    ),
  ),
);
const description = text().pipe(z.string().trim().max(250));

export const CreateChannel = z.object({
  name: channelName,
  description: description.default(""),
  is_private: z.boolean().default(false),
}).strict().openapi("CreateChannel");

export const UpdateChannel = z.object({
  name: channelName.optional(),
  description: description.optional(),
}).strict().openapi("UpdateChannel");

export const ChannelMember = z.object({
  user_id: uuid,
  role: ChannelRole,
  joined_at: datetime,
}).openapi("ChannelMember");
export const ChannelMemberList = z.object({ members: z.array(ChannelMember) }).openapi(
  "ChannelMemberList",
);
export const AddChannelMember = z.object({
  user_id: uuid,
  role: ChannelRole.default("member"),
}).strict().openapi("AddChannelMember");

// ---- DMs ----

/** A DM or group DM has at most 9 people, the caller included (as in Slack). */
export const MAX_DM_PARTICIPANTS = 9;

export const OpenDm = z.object({
  user_ids: z.array(uuid).max(MAX_DM_PARTICIPANTS - 1),
}).strict().openapi("OpenDm");

export const Dm = z.object({
  id: uuid,
  workspace_id: uuid,
  participant_ids: z.array(uuid),
  created_at: datetime,
  unread_count: z.number().int().nonnegative(),
  mention_count: z.number().int().nonnegative(),
  last_read_message_id: uuid.nullable(),
  last_message_at: datetime.nullable(),
}).openapi("Dm");
export type Dm = z.infer<typeof Dm>;
export const DmList = z.object({ dms: z.array(Dm) }).openapi("DmList");

// ---- read state ----

export const MarkRead = z.object({ message_id: uuid }).strict().openapi("MarkRead");
export const ReadState = z.object({
  conversation_id: uuid,
  last_read_message_id: uuid.nullable(),
  last_read_seq: z.number().int().nonnegative(),
  unread_count: z.number().int().nonnegative(),
  mention_count: z.number().int().nonnegative(),
}).openapi("ReadState");
export type ReadState = z.infer<typeof ReadState>;

// ---- messages ----

/** Characters (code points), as PostgreSQL's length() counts them. */
export const MAX_MESSAGE_CHARS = 40_000;

export const Reaction = z.object({
  emoji: z.string(),
  count: z.number().int().positive(),
  user_ids: z.array(uuid),
}).openapi("Reaction");
export type Reaction = z.infer<typeof Reaction>;

export const Message = z.object({
  id: uuid,
  channel_id: uuid.nullable(),
  dm_id: uuid.nullable(),
  user_id: uuid,
  content: z.string().openapi({ description: "Markdown as written; empty once deleted" }),
  created_at: datetime,
  edited_at: datetime.nullable(),
  deleted_at: datetime.nullable(),
  parent_id: uuid.nullable(),
  reply_count: z.number().int().nonnegative(),
  last_reply_at: datetime.nullable(),
  thread_locked_at: datetime.nullable().openapi({
    description: "Set while a moderator has locked the thread (no new replies)",
  }),
  reactions: z.array(Reaction),
  mentions: z.array(uuid),
  files: z.array(AttachedFile).openapi({ description: "Attached files, in the order sent" }),
  client_msg_id: z.string().nullable(),
  seq: z.number().int().positive().openapi({
    description: "Position in the conversation's commit-ordered sequence",
  }),
}).openapi("Message");
export type Message = z.infer<typeof Message>;

export const MessagePage = z.object({
  messages: z.array(Message),
  has_more: z.boolean(),
}).openapi("MessagePage");

export const ReplyPage = z.object({
  parent: Message,
  messages: z.array(Message).openapi({ description: "Oldest first" }),
  has_more: z.boolean(),
}).openapi("ReplyPage");

/**
 * Content is checked for length in the action (413 with a clear code), not here: a schema
 * error would be a generic 400 with the whole limit buried in details.
 */
export const SendMessage = z.object({
  content: text(),
  client_msg_id: z.string().min(1).max(255).optional(),
  file_ids: z.array(uuid).max(10).optional(),
}).strict().openapi("SendMessage");
export type SendMessage = z.infer<typeof SendMessage>;

export const EditMessage = z.object({ content: text() }).strict().openapi("EditMessage");

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: uuid.optional(),
  after: uuid.optional(),
});
