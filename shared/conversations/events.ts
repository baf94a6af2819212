import {
  type EventEnvelope,
  type EventPayload,
  type EventType,
  makeEvent,
} from "@colink/contracts";
import type { ConversationMeta } from "./directory.ts";

type ConversationFields = "channel_id" | "conversation_type" | "workspace_id" | "seq";

/**
 * A conversation event at position `seq`, keyed by the conversation (its Kafka partition key,
 * so one conversation's events stay in order within a topic).
 */
export function conversationEvent<T extends EventType>(
  type: T,
  conv: Pick<ConversationMeta, "kind" | "id" | "workspace_id">,
  seq: number,
  data: Omit<EventPayload<T>, ConversationFields>,
  now: Date,
  recipientId?: string,
): EventEnvelope {
  return makeEvent(
    type,
    conv.id,
    {
      ...data,
      channel_id: conv.id,
      conversation_type: conv.kind,
      workspace_id: conv.workspace_id,
      seq,
    } as EventPayload<T>,
    now,
    recipientId,
  );
}
