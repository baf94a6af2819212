import type { AttachedFile, EventPayload, Message, Reaction, Report } from "@colink/contracts";
import type { FileRecord, ReportRow, Stores } from "./stores/mod.ts";
import type { ChannelRecord, MessageRecord, ThreadSummary } from "./stores/types.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * Messages as REST returns them: each with its reactions aggregated and its thread counters,
 * loaded for the whole batch in two queries. A deleted message is a tombstone: no content,
 * mentions or reactions.
 */
export async function presentMessages(
  s: Stores,
  rows: readonly MessageRecord[],
): Promise<Message[]> {
  const live = rows.filter((r) => !r.deleted_at).map((r) => r.id);
  const roots = rows.filter((r) => r.parent_id === null).map((r) => r.id);
  const [reactions, threads, files] = await Promise.all([
    s.reactions.aggregate(live),
    s.messages.threads(roots),
    s.files.forMessages(live),
  ]);
  return rows.map((r) =>
    toMessage(r, threads.get(r.id), reactions.get(r.id) ?? [], files.get(r.id) ?? [])
  );
}

/** A clean file as messages carry it. */
export function attachedFile(f: FileRecord): AttachedFile {
  const v = f.current ?? f.latest;
  return {
    id: f.id,
    filename: v.filename,
    content_type: v.content_type,
    size_bytes: v.size_bytes,
    metadata: v.width && v.height ? { width: v.width, height: v.height } : null,
    download_url: `/api/v1/files/${f.id}/download`,
    thumbnail_url: v.thumb_version_id ? `/api/v1/files/${f.id}/thumbnail` : null,
  };
}

function toMessage(
  r: MessageRecord,
  t: ThreadSummary | undefined,
  reactions: Reaction[],
  files: readonly FileRecord[],
): Message {
  return {
    id: r.id,
    channel_id: r.channel_id,
    dm_id: r.dm_id,
    user_id: r.user_id,
    content: r.content,
    created_at: r.created_at.toISOString(),
    edited_at: iso(r.edited_at),
    deleted_at: iso(r.deleted_at),
    parent_id: r.parent_id,
    reply_count: t?.reply_count ?? 0,
    last_reply_at: iso(t?.last_reply_at ?? null),
    thread_locked_at: iso(r.thread_locked_at ?? null),
    reactions: r.deleted_at ? [] : reactions,
    mentions: r.mentions,
    files: r.deleted_at ? [] : files.map(attachedFile),
    client_msg_id: r.client_msg_id,
    seq: r.seq,
  };
}

/**
 * Messages just written: nothing has reacted or replied to them yet, so no query is needed; their
 * files are the ones the send attached.
 */
export function presentNewMessages(
  rows: readonly MessageRecord[],
  files: ReadonlyMap<string, readonly FileRecord[]> = new Map(),
): Message[] {
  return rows.map((r) => toMessage(r, undefined, [], files.get(r.id) ?? []));
}

export async function presentMessage(s: Stores, row: MessageRecord): Promise<Message> {
  return (await presentMessages(s, [row]))[0]!;
}

/** A channel as events carry it. */
export const channelSnapshot = (c: ChannelRecord): EventPayload<"channel.created">["channel"] => ({
  id: c.id,
  workspace_id: c.workspace_id,
  name: c.name,
  description: c.description,
  is_private: c.is_private,
  is_default: c.is_default,
  archived_at: iso(c.archived_at),
  created_by: c.created_by,
  created_at: c.created_at.toISOString(),
});

/** Reports as REST returns them: each with the reported message as it is now. */
export async function presentReports(s: Stores, rows: readonly ReportRow[]): Promise<Report[]> {
  const messages = await Promise.all(rows.map((r) => s.messages.get(r.message_id)));
  const presented = await presentMessages(s, messages.filter((m) => m !== undefined));
  const byId = new Map(presented.map((m) => [m.id, m]));
  return rows.flatMap((r) => {
    const message = byId.get(r.message_id);
    return message
      ? [{
        id: r.id,
        message_id: r.message_id,
        reporter_id: r.reporter_id,
        reason: r.reason,
        status: r.status,
        created_at: r.created_at.toISOString(),
        resolved_at: iso(r.resolved_at),
        resolved_by: r.resolved_by,
        resolution_note: r.resolution_note,
        message,
      }]
      : [];
  });
}
