import { z } from "zod";
import { Channel, Message } from "./conversations.ts";

/**
 * Domain events on the bus. The seed's six Kafka schemas are kept field for field (their payloads
 * are supersets: conversation events add where they happened and their position); the rest are what the product needs beyond them. Each travels in an `EventEnvelope`
 * whose `id` is the dedupe key consumers use and whose `aggregate_id` is the partition key.
 */
const uuid = z.uuid();
const datetime = z.iso.datetime({ offset: true });

/**
 * Where a conversation event happened and its position there. `channel_id` names the
 * conversation (a channel, or a DM when `conversation_type` is "dm": the seed's field, kept for
 * its consumers); `seq` is the conversation's commit-ordered, gap-free position, assigned under
 * the conversation's row lock, so consumers can order and spot gaps across topics.
 */
const inConversation = {
  channel_id: uuid,
  conversation_type: z.enum(["channel", "dm"]),
  workspace_id: uuid,
  seq: z.number().int().positive(),
};

export const MessageCreated = z.object({
  message_id: uuid,
  user_id: uuid,
  content: z.string(),
  timestamp: datetime,
  ...inConversation,
  parent_id: uuid.nullable(),
  mentions: z.array(uuid),
  /** The message as REST returns it (what realtime clients render). */
  message: Message,
});

export const MessageUpdated = z.object({
  message_id: uuid,
  content: z.string(),
  /** null when what changed was not the text (a moderator locked the thread). */
  edited_at: datetime.nullable(),
  ...inConversation,
  mentions: z.array(uuid),
  message: Message,
});

export const ReactionAdded = z.object({
  reaction_id: uuid,
  message_id: uuid,
  user_id: uuid,
  emoji: z.string(),
  timestamp: datetime,
  ...inConversation,
});

/** A profile or status changed: to the user's own devices (and any consumer of the topic). */
export const UserUpdated = z.object({
  user_id: uuid,
  username: z.string(),
  display_name: z.string(),
  avatar_url: z.string().nullable(),
  status: z.object({
    status_text: z.string(),
    status_emoji: z.string(),
    status_expiry: datetime.nullable(),
  }).nullable(),
  timestamp: datetime,
});

export const PresenceUpdated = z.object({
  user_id: uuid,
  status: z.enum(["online", "away", "offline"]),
  timestamp: datetime,
});

/**
 * A version of a file passed its scan and can be downloaded. Keyed by the file (its versions stay
 * in order) and addressed to the uploader's devices: the conversation's members see the file when
 * a message attaches it. `channel_id` names the conversation as in conversation events.
 */
export const FileUploaded = z.object({
  file_id: uuid,
  uploader_id: uuid,
  channel_id: uuid,
  filename: z.string(),
  size_bytes: z.number().int().nonnegative(),
  timestamp: datetime,
  conversation_type: z.enum(["channel", "dm"]),
  workspace_id: uuid,
  content_type: z.string(),
  version: z.number().int().positive(),
});

/** The seed's payload, plus where it applies, until when, and whether it was lifted. */
export const ModerationAction = z.object({
  action_id: uuid,
  /** Who acted (or lifted it); on expiry, the moderator who imposed it. */
  moderator_id: uuid,
  action_type: z.enum(["warn", "mute", "kick", "ban"]),
  target_user_id: uuid,
  reason: z.string(),
  timestamp: datetime,
  channel_id: uuid.nullable().optional(),
  workspace_id: uuid.nullable().optional(),
  expires_at: datetime.nullable().optional(),
  /** Set when a mute or ban ends: undone by a moderator, or expired. */
  lifted: z.enum(["revoked", "expired"]).optional(),
});

export const MessageDeleted = z.object({
  message_id: uuid,
  deleted_by: uuid,
  deleted_at: datetime,
  ...inConversation,
  parent_id: uuid.nullable(),
  /** The tombstone as REST returns it. */
  message: Message,
});

export const ReactionRemoved = z.object({
  message_id: uuid,
  user_id: uuid,
  emoji: z.string(),
  timestamp: datetime,
  ...inConversation,
});

/** A channel as events carry it: the REST channel without the caller's own fields. */
const ChannelSnapshot = Channel.pick({
  id: true,
  workspace_id: true,
  name: true,
  description: true,
  is_private: true,
  is_default: true,
  archived_at: true,
  created_by: true,
  created_at: true,
});

export const ChannelCreated = z.object({
  ...inConversation,
  user_id: uuid,
  channel: ChannelSnapshot,
  timestamp: datetime,
});
export const ChannelUpdated = z.object({
  ...inConversation,
  user_id: uuid,
  channel: ChannelSnapshot,
  changed: z.array(z.enum(["name", "description"])),
  timestamp: datetime,
});
export const ChannelArchived = z.object({
  ...inConversation,
  user_id: uuid,
  channel: ChannelSnapshot,
  timestamp: datetime,
});
export const ChannelMemberJoined = z.object({
  ...inConversation,
  /** Who joined. */
  user_id: uuid,
  role: z.enum(["owner", "admin", "member"]),
  /** Who added them (themselves when they joined). */
  actor_id: uuid,
  timestamp: datetime,
});
export const ChannelMemberLeft = z.object({
  ...inConversation,
  user_id: uuid,
  actor_id: uuid,
  timestamp: datetime,
});
export const DmCreated = z.object({
  ...inConversation,
  dm_id: uuid,
  participant_ids: z.array(uuid).min(1),
  user_id: uuid,
  timestamp: datetime,
});
/**
 * A member's read marker moved forward (never backwards). Addressed to that user alone (their
 * other devices clear their badges), keyed by the user, not by the conversation.
 */
export const ReadUpdated = z.object({
  user_id: uuid,
  channel_id: uuid,
  conversation_type: z.enum(["channel", "dm"]),
  workspace_id: uuid,
  last_read_message_id: uuid,
  last_read_seq: z.number().int().positive(),
  timestamp: datetime,
});

/** Topic name → payload schema. Topic names are the seed's; adding one here creates its topic. */
export const EventSchemas = {
  "message.created": MessageCreated,
  "message.updated": MessageUpdated,
  "message.deleted": MessageDeleted,
  "reaction.added": ReactionAdded,
  "reaction.removed": ReactionRemoved,
  "channel.created": ChannelCreated,
  "channel.updated": ChannelUpdated,
  "channel.archived": ChannelArchived,
  "channel.member_joined": ChannelMemberJoined,
  "channel.member_left": ChannelMemberLeft,
  "dm.created": DmCreated,
  "read.updated": ReadUpdated,
  "user.updated": UserUpdated,
  "presence.updated": PresenceUpdated,
  "file.uploaded": FileUploaded,
  "moderation.action": ModerationAction,
} as const;

export type EventType = keyof typeof EventSchemas;
export type EventPayload<T extends EventType> = z.infer<(typeof EventSchemas)[T]>;
export const EVENT_TYPES = Object.keys(EventSchemas) as EventType[];

export const EventEnvelope = z.object({
  id: uuid,
  type: z.enum(EVENT_TYPES as [EventType, ...EventType[]]),
  aggregate_id: z.string().min(1),
  occurred_at: datetime,
  data: z.record(z.string(), z.unknown()),
  /**
   * A user the event is also for, member or not of the conversation: whoever joined or left,
   * whose read marker moved (the realtime gateway delivers it to them).
   */
  recipient_id: uuid.optional(),
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;

/** Builds an envelope after checking the payload against its topic's schema. */
export function makeEvent<T extends EventType>(
  type: T,
  aggregateId: string,
  data: EventPayload<T>,
  now: Date = new Date(),
  recipientId?: string,
): EventEnvelope {
  const parsed = EventSchemas[type].parse(data) as Record<string, unknown>;
  return {
    id: crypto.randomUUID(),
    type,
    aggregate_id: aggregateId,
    occurred_at: now.toISOString(),
    data: parsed,
    ...(recipientId ? { recipient_id: recipientId } : {}),
  };
}

/** Parses an envelope and its payload; throws a ZodError naming the bad field. */
export function parseEvent(raw: unknown): EventEnvelope {
  const envelope = EventEnvelope.parse(raw);
  EventSchemas[envelope.type].parse(envelope.data);
  return envelope;
}
