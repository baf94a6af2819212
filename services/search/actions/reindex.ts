import type { Sql } from "@colink/platform";
import type { SearchIndex } from "../index/port.ts";

export interface ReindexProgress {
  done: number;
  total: number;
  kind: "messages" | "files";
}

/**
 * Rebuilds the index from PostgreSQL while the service keeps answering: nothing is cleared
 * first; every message is written at its conversation's current position, read in the same
 * statement (one snapshot), so an edit that commits meanwhile (a higher position) wins whichever
 * lands first, and deleted messages are removed. Batches by keyset on id.
 */
export async function reindex(
  sql: Sql,
  index: SearchIndex,
  onProgress: (p: ReindexProgress) => void = () => {},
  batch = 2_000,
): Promise<{ messages: number; files: number }> {
  await index.prepare();
  const [{ n: total }] = await sql.query<{ n: number }>(
    "select count(*)::int as n from messages",
  ) as [
    { n: number },
  ];
  let done = 0;
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const rows = await sql.query<{
      id: string;
      workspace_id: string;
      conversation_id: string;
      kind: "channel" | "dm";
      user_id: string;
      parent_id: string | null;
      content: string;
      deleted: boolean;
      has_file: boolean;
      created_at: Date;
      version: number;
    }>(
      `select m.id, coalesce(c.workspace_id, d.workspace_id) as workspace_id,
              coalesce(m.channel_id, m.dm_id) as conversation_id,
              case when m.channel_id is null then 'dm' else 'channel' end as kind,
              m.user_id, m.parent_id, m.content, m.deleted_at is not null as deleted,
              exists (select 1 from files f where f.message_id = m.id) as has_file,
              m.created_at, coalesce(c.last_seq, d.last_seq) as version
         from messages m
         left join channels c on c.id = m.channel_id
         left join direct_messages d on d.id = m.dm_id
        where m.id > $1 order by m.id limit $2`,
      [after, batch],
    );
    if (!rows.length) break;
    const live = rows.filter((r) => !r.deleted);
    await index.upsertMessages(live.map((r) => ({
      message_id: r.id,
      workspace_id: r.workspace_id,
      conversation_id: r.conversation_id,
      conversation_kind: r.kind,
      user_id: r.user_id,
      parent_id: r.parent_id,
      content: r.content,
      has_file: r.has_file,
      created_at: r.created_at,
      version: r.version,
    })));
    for (const r of rows.filter((r) => r.deleted)) await index.deleteMessage(r.id, r.version);
    done += rows.length;
    after = rows.at(-1)!.id;
    onProgress({ done, total, kind: "messages" });
  }
  const files = await sql.query<{
    id: string;
    workspace_id: string;
    conversation_id: string;
    uploader_id: string;
    filename: string;
    content_type: string;
    size_bytes: number;
    created_at: Date;
    version: number;
  }>(
    `select f.id, f.workspace_id, coalesce(f.channel_id, f.dm_id) as conversation_id, f.uploader_id,
            v.filename, v.content_type, v.size_bytes, f.created_at, v.n as version
       from files f join file_versions v on v.file_id = f.id and v.n = f.current_version
      where f.deleted_at is null`,
  );
  await index.upsertFiles(files.map((f) => ({ ...f, file_id: f.id })));
  onProgress({ done: files.length, total: files.length, kind: "files" });
  await index.refresh();
  return { messages: done, files: files.length };
}
