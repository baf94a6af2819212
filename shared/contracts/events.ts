import { z } from "zod";

/**
 * Domain events on the bus. The first six payloads are the seed's Kafka schemas, field for
 * field; the rest are what the product needs beyond them. Each travels in an `EventEnvelope`
 * whose `id` is the dedupe key consumers use and whose `aggregate_id` is the partition key.
 */
const uuid = z.uuid();
const datetime = z.iso.datetime({ offset: true });

export const MessageCreated = z.object({
  message_id: uuid,
  channel_id: uuid,
  user_id: uuid,
  content: z.string(),
  timestamp: datetime,
});

export const MessageUpdated = z.object({
  message_id: uuid,
  content: z.string(),
  edited_at: datetime,
});

export const ReactionAdded = z.object({
  reaction_id: uuid,
  message_id: uuid,
  user_id: uuid,
  emoji: z.string(),
  timestamp: datetime,
});

export const PresenceUpdated = z.object({
  user_id: uuid,
  status: z.enum(["online", "away", "offline"]),
  timestamp: datetime,
});

export const FileUploaded = z.object({
  file_id: uuid,
  uploader_id: uuid,
  channel_id: uuid,
  filename: z.string(),
  size_bytes: z.number().int().nonnegative(),
  timestamp: datetime,
});

export const ModerationAction = z.object({
  action_id: uuid,
  moderator_id: uuid,
  action_type: z.enum(["warn", "mute", "kick", "ban"]),
  target_user_id: uuid,
  reason: z.string(),
  timestamp: datetime,
});

export const MessageDeleted = z.object({
  message_id: uuid,
  deleted_by: uuid,
  deleted_at: datetime,
});

export const ReactionRemoved = z.object({
  message_id: uuid,
  user_id: uuid,
  emoji: z.string(),
  timestamp: datetime,
});

/** Topic name → payload schema. Topic names are the seed's; adding one here creates its topic. */
export const EventSchemas = {
  "message.created": MessageCreated,
  "message.updated": MessageUpdated,
  "message.deleted": MessageDeleted,
  "reaction.added": ReactionAdded,
  "reaction.removed": ReactionRemoved,
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
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;

/** Builds an envelope after checking the payload against its topic's schema. */
export function makeEvent<T extends EventType>(
  type: T,
  aggregateId: string,
  data: EventPayload<T>,
  now: Date = new Date(),
): EventEnvelope {
  const parsed = EventSchemas[type].parse(data) as Record<string, unknown>;
  return {
    id: crypto.randomUUID(),
    type,
    aggregate_id: aggregateId,
    occurred_at: now.toISOString(),
    data: parsed,
  };
}

/** Parses an envelope and its payload; throws a ZodError naming the bad field. */
export function parseEvent(raw: unknown): EventEnvelope {
  const envelope = EventEnvelope.parse(raw);
  EventSchemas[envelope.type].parse(envelope.data);
  return envelope;
}
