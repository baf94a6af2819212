import { type EventEnvelope, type Message, parseEvent } from "@colink/contracts";
import { sqlStores } from "@colink/conversations";
import type { EventBus } from "@colink/platform";
import type { FilesDeps } from "./deps.ts";
import { writeMetadataDocument } from "./metadata_document.ts";

/**
 * The metadata documents follow the messages their files are attached to and deleted with: the
 * files service consumes message.created and message.deleted (its own consumer group) and
 * rebuilds the documents of the files involved from PostgreSQL, which holds the truth (so
 * redelivery and order do not matter).
 */
export async function followMessages(
  d: FilesDeps,
  bus: EventBus,
): Promise<{ close(): Promise<void> }> {
  return await bus.subscribe(
    {
      group: "files-metadata",
      topics: ["message.created", "message.deleted"],
      fromBeginning: true,
    },
    async (m) => {
      let ev: EventEnvelope;
      try {
        ev = parseEvent(JSON.parse(m.value));
      } catch {
        return; // unreadable: it never will be, and no file document depends on it
      }
      const data = ev.data as { message?: Message; message_id?: string };
      const s = sqlStores(d.chat.sql);
      const ids = ev.type === "message.created"
        ? (data.message?.files ?? []).map((f) => f.id)
        : (await d.chat.sql.query<{ id: string }>(
          "select id from files where message_id = $1",
          [data.message_id],
        )).map((r) => r.id);
      for (const id of ids) {
        const f = await s.files.get(id);
        if (f) await writeMetadataDocument(d, f, await s.files.versions(id));
      }
    },
  );
}
