import { type EventEnvelope, type Message, parseEvent } from "@colink/contracts";
import type { Logger } from "@colink/http";
import { consumeOnce, type EventBus, type Sql, type SqlExecutor } from "@colink/platform";
import type { IndexedMessage, SearchIndex } from "../index/port.ts";

/** The events that change what search finds. */
export const INDEXED_TOPICS = [
  "message.created",
  "message.updated",
  "message.deleted",
  "file.uploaded",
] as const;

const CONSUMER = "search-indexer";

/** A message as the index keeps it, at the version (conversation position) of its event. */
export function indexedMessage(
  m: Message,
  workspaceId: string,
  version: number,
): IndexedMessage {
  return {
    message_id: m.id,
    workspace_id: workspaceId,
    conversation_id: (m.channel_id ?? m.dm_id)!,
    conversation_kind: m.channel_id ? "channel" : "dm",
    user_id: m.user_id,
    parent_id: m.parent_id,
    content: m.content,
    has_file: m.files.length > 0,
    created_at: new Date(m.created_at),
    version,
  };
}

/** What one event does to the index (the index ignores versions older than what it holds). */
export async function applyEvent(index: SearchIndex, ev: EventEnvelope): Promise<void> {
  const d = ev.data as Record<string, unknown>;
  switch (ev.type) {
    case "message.created":
    case "message.updated": {
      const m = d.message as Message;
      if (m.deleted_at) return await index.deleteMessage(m.id, d.seq as number);
      return await index.upsertMessages([
        indexedMessage(m, d.workspace_id as string, d.seq as number),
      ]);
    }
    case "message.deleted":
      return await index.deleteMessage(d.message_id as string, d.seq as number);
    case "file.uploaded":
      return await index.upsertFiles([{
        file_id: d.file_id as string,
        workspace_id: d.workspace_id as string,
        conversation_id: d.channel_id as string,
        uploader_id: d.uploader_id as string,
        filename: d.filename as string,
        content_type: d.content_type as string,
        size_bytes: d.size_bytes as number,
        created_at: new Date(d.timestamp as string),
        version: d.version as number,
      }]);
  }
}

/**
 * Keeps the index current from the bus: every message.* and file.uploaded event is applied once
 * per event id (the dedupe row commits with the effect; for PostgreSQL the effect is in the same
 * transaction, for OpenSearch the write is versioned and so harmless if repeated), in
 * per-conversation order (events are keyed by conversation). A failed apply is redelivered.
 */
export async function startIndexer(o: {
  bus: EventBus;
  sql: Sql;
  /** The index bound to an executor: the dedupe transaction's (PostgreSQL) or its own. */
  index: (tx: SqlExecutor) => SearchIndex;
  logger: Logger;
  /** Called after each applied event (tests and lag metrics). */
  onApplied?: (ev: EventEnvelope) => void;
}): Promise<{ close(): Promise<void> }> {
  return await o.bus.subscribe(
    { group: CONSUMER, topics: [...INDEXED_TOPICS], fromBeginning: true },
    async (m) => {
      let ev: EventEnvelope;
      try {
        ev = parseEvent(JSON.parse(m.value));
      } catch (e) {
        // A record that does not parse never will: skip it rather than block its partition.
        o.logger.error("search: skipping an unreadable event", { err: e, topic: m.topic });
        return;
      }
      const applied = await consumeOnce(
        o.sql,
        CONSUMER,
        ev.id,
        (tx) => applyEvent(o.index(tx), ev),
      );
      if (applied) o.onApplied?.(ev);
    },
  );
}
