import type { Principal } from "@colink/auth";
import { type Access, accessConversation, type FileRecord, sqlStores } from "@colink/conversations";
import { HttpError, notFound } from "@colink/http";
import type { FilesDeps } from "./deps.ts";

const noSuchFile = () => notFound("file_not_found", "No such file");

/**
 * A file the caller may see, with their standing in its conversation. Until a message attaches
 * it, a file is its uploader's alone; then it is visible to whoever can read the conversation.
 * Anything else (another conversation, a deleted file, someone else's unsent upload) is a 404,
 * exactly as if it did not exist.
 */
export async function accessFile(
  d: FilesDeps,
  p: Principal,
  id: string,
): Promise<{ file: FileRecord; access: Access }> {
  const file = await sqlStores(d.chat.sql).files.get(id);
  if (!file || file.deleted_at) throw noSuchFile();
  if (!file.message_id && file.uploader_id !== p.userId) throw noSuchFile();
  const ref = file.channel_id
    ? { kind: "channel" as const, id: file.channel_id }
    : { kind: "dm" as const, id: file.dm_id! };
  const access = await accessConversation(d.chat.sql, d.chat.directory, p, ref).catch((e) => {
    throw e instanceof HttpError && e.status === 404 ? noSuchFile() : e;
  });
  return { file, access };
}
