import type { Principal } from "@colink/auth";
import {
  MAX_MESSAGE_CHARS,
  type Message,
  Message as MessageSchema,
  type SendMessage,
} from "@colink/contracts";
import {
  type Access,
  accessConversation,
  type AttachRefusal,
  type ChatDeps,
  conversationEvent,
  type ConversationMeta,
  type ConversationRef,
  type FileRecord,
  type NewMessage,
  presentNewMessages,
  requireWritable,
  resolveMentions,
  sqlStores,
  type UnitOfWork,
} from "@colink/conversations";
import { badRequest, conflict, forbidden, HttpError, notFound } from "@colink/http";
import { sha256Hex } from "@colink/platform";

/** Where a message goes: a conversation, or a thread (by the message replied to). */
export type SendTarget = { conversation: ConversationRef } | { parentId: string };

/** A send that passed its checks: who, where, what, resolved, ready for doSendMessages(). */
export interface CheckedMessage {
  author: string;
  conv: ConversationMeta;
  /** The thread's root (a reply to a reply is attached to the root). */
  parent_id: string | null;
  content: string;
  client_msg_id: string | null;
  mentions: string[];
  /** Uploads to attach, in the order given (checked again under the lock). */
  file_ids: string[];
  /** The caller's Idempotency-Key (or client_msg_id) and a hash of what was asked. */
  idempotency?: { key: string; hash: string };
}

/** 201: created now; 200: a retry of a send that was already done, answered the same way. */
export interface SendOutcome {
  status: 200 | 201;
  message: Message;
}

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

/** Content rules shared by sends and edits (a send with files may have no text). */
export function checkContent(content: string, hasFiles = false): void {
  if (content.trim() === "" && !hasFiles) {
    throw badRequest("content_empty", "A message needs some content");
  }
  if ([...content].length > MAX_MESSAGE_CHARS) {
    throw new HttpError(
      413,
      "content_too_long",
      `A message holds at most ${MAX_MESSAGE_CHARS.toLocaleString("en")} characters`,
    );
  }
}

/**
 * Authorizes a send and resolves what it needs (Zulip's check_message): the conversation
 * (404 if the caller cannot see it), write access (403 if archived or not a member), the
 * thread root, the mentions, the idempotency key. No writes.
 */
/** A muted author's sends are refused where the mute applies (this channel, workspace, or all). */
async function requireNotMuted(d: ChatDeps, p: Principal, a: Access): Promise<void> {
  const mute = await sqlStores(d.sql).moderation.activeMute(p.userId, {
    channelId: a.conv.kind === "channel" ? a.conv.id : null,
    workspaceId: a.conv.workspace_id,
  }, d.now());
  if (mute) {
    throw forbidden(
      "muted",
      mute.expires_at
        ? `You are muted here until ${mute.expires_at.toISOString()}`
        : "You are muted here until a moderator lifts it",
    );
  }
}

export async function checkMessage(
  d: ChatDeps,
  p: Principal,
  target: SendTarget,
  input: SendMessage,
  idempotencyKey?: string,
): Promise<CheckedMessage> {
  const fileIds = [...new Set(input.file_ids ?? [])];
  checkContent(input.content, fileIds.length > 0);
  let ref: ConversationRef;
  let a: Access;
  let parentId: string | null = null;
  if ("parentId" in target) {
    const parent = await sqlStores(d.sql).messages.get(target.parentId);
    if (!parent) throw notFound("message_not_found", "No such message");
    ref = parent.channel_id
      ? { kind: "channel", id: parent.channel_id }
      : { kind: "dm", id: parent.dm_id! };
    // Visibility first: a message in a conversation the caller cannot see does not exist.
    a = await accessConversation(d.sql, d.directory, p, ref).catch((e) => {
      throw e instanceof HttpError && e.status === 404
        ? notFound("message_not_found", "No such message")
        : e;
    });
    parentId = parent.parent_id ?? parent.id;
    const root = parent.parent_id ? await sqlStores(d.sql).messages.get(parentId) : parent;
    if (!root || root.deleted_at) {
      throw conflict("message_deleted", "The thread's first message was deleted");
    }
    if (root.thread_locked_at) {
      throw forbidden("thread_locked", "A moderator locked this thread: it takes no new replies");
    }
  } else {
    ref = target.conversation;
    a = await accessConversation(d.sql, d.directory, p, ref);
  }
  requireWritable(a);
  await requireNotMuted(d, p, a);
  if (fileIds.length) {
    // The same check runs again under the lock; this one gives the early, exact error. A file
    // already attached may be this very send's, retried: the idempotency key decides that.
    const refused = await sqlStores(d.sql).files.lockForAttach(fileIds, p.userId, ref);
    for (const [id, why] of refused) if (why === "attached") refused.delete(id);
    if (refused.size) throw attachError(refused);
  }
  const key = idempotencyKey ?? input.client_msg_id;
  return {
    author: p.userId,
    conv: a.conv,
    parent_id: parentId,
    content: input.content,
    client_msg_id: input.client_msg_id ?? null,
    mentions: await resolveMentions(d.sql, ref, p.userId, input.content, d.online),
    file_ids: fileIds,
    idempotency: key
      ? {
        key,
        hash: await sha256Hex(JSON.stringify([
          ref.kind,
          ref.id,
          parentId,
          input.content,
          input.client_msg_id ?? null,
          input.file_ids ?? [],
        ])),
      }
      : undefined,
  };
}

/** Why files cannot be attached, as one error: the first refusal decides the status. */
function attachError(refused: ReadonlyMap<string, AttachRefusal>): HttpError {
  const [id, why] = [...refused][0]!;
  const details = [...refused].map(([fid, w]) => ({ path: "file_ids", message: `${fid}: ${w}` }));
  if (why === "not_ready") {
    return conflict("file_not_ready", `File ${id} is not uploaded and scanned clean yet`);
  }
  if (why === "attached") {
    return conflict("file_already_attached", `File ${id} is already attached to a message`);
  }
  return badRequest(
    "file_not_found",
    "No such uploaded file of yours in this conversation",
    details,
  );
}

const reusedKey = () =>
  conflict(
    "idempotency_key_reused",
    "This Idempotency-Key (or client_msg_id) was used for a different request",
  );

/**
 * Writes a batch of checked messages in the caller's transaction (Zulip's do_send_messages):
 * idempotency keys are claimed first (sorted, so concurrent batches never deadlock), then each
 * conversation's sequence is locked (in id order) and positions are handed out, rows, thread
 * counters, the authors' read markers and one `message.created` per message are written.
 * State that may have changed since the check (archived, membership) is checked again under
 * the lock. Per-message failures come back as HttpErrors; database errors throw.
 */
export async function doSendMessages(
  d: Pick<ChatDeps, "now">,
  u: UnitOfWork,
  items: readonly CheckedMessage[],
): Promise<(SendOutcome | HttpError)[]> {
  const out: (SendOutcome | HttpError | undefined)[] = items.map(() => undefined);
  const now = d.now();
  // The same key twice in one batch: the first does the work, the others replay it.
  const firstWithKey = new Map<string, number>();
  const followers: [number, number][] = [];
  const isFollower = new Set<number>();
  items.forEach((m, i) => {
    if (!m.idempotency) return;
    const k = `${m.author}\u0000${m.idempotency.key}`;
    const first = firstWithKey.get(k);
    if (first === undefined) firstWithKey.set(k, i);
    else {
      followers.push([i, first]);
      isFollower.add(i);
    }
  });
  const claimOrder = [...firstWithKey.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  const claimed = new Set<number>();
  for (const [, i] of claimOrder) {
    const m = items[i]!;
    const r = await u.s.idempotency.claim(
      m.author,
      m.idempotency!.key,
      m.idempotency!.hash,
      now,
      new Date(now.getTime() - IDEMPOTENCY_TTL_MS),
    );
    if (r === "claimed") claimed.add(i);
    else if (r.request_hash !== m.idempotency!.hash) out[i] = reusedKey();
    // jsonb reorders keys: parse to give the replay the original's field order too.
    else out[i] = { status: 200, message: MessageSchema.parse(r.response) };
  }
  const fail = async (i: number, e: HttpError) => {
    out[i] = e;
    if (claimed.has(i)) await u.s.idempotency.release(items[i]!.author, items[i]!.idempotency!.key);
  };

  const byConv = new Map<string, number[]>();
  items.forEach((m, i) => {
    if (out[i] || isFollower.has(i)) return;
    const list = byConv.get(m.conv.id) ?? [];
    list.push(i);
    byConv.set(m.conv.id, list);
  });
  const rows: NewMessage[] = [];
  const rowItem: number[] = [];
  /** Message id → the files it attaches (locked and checked under the conversation's lock). */
  const attachments = new Map<string, string[]>();
  /** Positions and read markers, stored once the rows are written (still under the locks). */
  const finishes: (() => Promise<void>)[] = [];
  for (const convId of [...byConv.keys()].sort()) {
    const idx = byConv.get(convId)!;
    const conv = items[idx[0]!]!.conv;
    const ref = { kind: conv.kind, id: conv.id };
    const authors = [...new Set(idx.map((i) => items[i]!.author))];
    const locked = await u.s.sequences.lockForSend(ref, authors);
    if (!locked || locked.archived) {
      const why = locked
        ? forbidden("channel_archived", "This channel is archived")
        : notFound("channel_not_found", "No such channel");
      for (const i of idx) await fail(i, why);
      continue;
    }
    const members = new Set(locked.members);
    let last = locked.last;
    const lastSeqOf = new Map<string, number>();
    for (const i of idx) {
      const m = items[i]!;
      if (!members.has(m.author)) {
        await fail(i, forbidden("not_a_member", "Join the channel to post in it"));
        continue;
      }
      const id = crypto.randomUUID();
      if (m.file_ids.length) {
        const refused = await u.s.files.lockForAttach(m.file_ids, m.author, ref);
        if (refused.size) {
          await fail(i, attachError(refused));
          continue;
        }
        attachments.set(id, m.file_ids);
      }
      const seq = ++last;
      lastSeqOf.set(m.author, seq);
      rows.push({
        id,
        conversation: ref,
        user_id: m.author,
        parent_id: m.parent_id,
        seq,
        content: m.content,
        client_msg_id: m.client_msg_id,
        mentions: m.mentions,
        created_at: now,
      });
      rowItem.push(i);
    }
    if (last > locked.last) {
      finishes.push(() =>
        u.s.sequences.finishSend(
          ref,
          last,
          [...lastSeqOf].map(([userId, seq]) => ({ userId, seq })),
        )
      );
    }
  }
  const inserted = await u.s.messages.insertMany(rows);
  const files = new Map<string, FileRecord[]>();
  if (attachments.size) {
    for (const [messageId, ids] of attachments) await u.s.files.attach(messageId, ids, now);
    for (const [messageId, list] of await u.s.files.forMessages([...attachments.keys()])) {
      files.set(messageId, list);
    }
  }
  const written = presentNewMessages(inserted, files);
  for (const finish of finishes) await finish();
  const replies = new Map<string, number>();
  for (const r of rows) {
    if (r.parent_id) replies.set(r.parent_id, (replies.get(r.parent_id) ?? 0) + 1);
  }
  await u.s.messages.addReplies([...replies].map(([parentId, n]) => ({ parentId, n, at: now })));
  for (const [k, message] of written.entries()) {
    const i = rowItem[k]!;
    const m = items[i]!;
    out[i] = { status: 201, message };
    u.emit(conversationEvent("message.created", m.conv, message.seq, {
      message_id: message.id,
      user_id: m.author,
      content: message.content,
      timestamp: message.created_at,
      parent_id: message.parent_id,
      mentions: message.mentions,
      message,
    }, now));
    if (m.idempotency) {
      await u.s.idempotency.complete(m.author, m.idempotency.key, {
        message_id: message.id,
        status_code: 201,
        response: message,
      });
    }
  }
  for (const [i, first] of followers) {
    const o = out[first]!;
    out[i] = o instanceof HttpError
      ? o
      : items[i]!.idempotency!.hash === items[first]!.idempotency!.hash
      ? { status: 200, message: o.message }
      : reusedKey();
  }
  return out as (SendOutcome | HttpError)[];
}
