import type {
  AttachedFile,
  AuditEntry,
  Channel,
  CreateModerationAction,
  Dm,
  FileInfo,
  FoundFile,
  Message,
  ModerationActionRecord,
  Reaction,
  ReadState,
  Report,
  UploadUrl,
  UserProfile,
  Workspace,
} from "@colink/contracts";
import { api, fetchOk } from "./client.ts";

export type {
  AttachedFile,
  AuditEntry,
  Channel,
  CreateModerationAction,
  Dm,
  FileInfo,
  FoundFile,
  Message,
  ModerationActionRecord,
  Reaction,
  ReadState,
  Report,
  UploadUrl,
  UserProfile,
  Workspace,
};

export type WorkspaceRole = NonNullable<Workspace["role"]>;
export type ReportStatus = Report["status"];

export interface WorkspaceMember {
  user_id: string;
  role: WorkspaceRole;
  joined_at: string;
}

export interface ActionQuery {
  target_user_id?: string;
  active?: boolean;
  limit?: number;
  cursor?: string;
}

export interface AuditFilter {
  actor_id?: string;
  action?: string;
  resource_type?: string;
  /** ISO time: entries at or after it. */
  since?: string;
}

/** `?a=1&b=x` from the parameters that have a value (none: ""). */
export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

/** GET /auth/session: who is signed in, and the CSRF token for unsafe requests. */
export interface SessionInfo {
  user: {
    id: string;
    username: string;
    display_name: string | null;
    email: string | null;
    roles: string[];
  };
  csrf_token: string;
}

export interface Member {
  user_id: string;
  role: string;
  joined_at: string;
}

/** GET /search/messages: best first; `highlight` is escaped text with `<mark>` around matches. */
export interface MessageHit {
  message: Message;
  highlight: string;
  score: number;
}

export interface FileHit {
  file: FoundFile;
  highlight: string;
}

export interface SearchPage<T> {
  hits: T[];
  next_cursor: string | null;
}

export interface MessagePage {
  messages: Message[];
  has_more: boolean;
}

export interface ReplyPage extends MessagePage {
  parent: Message;
}

/** A conversation the client shows: a channel or a DM, named by kind and id. */
export interface ConvRef {
  kind: "channel" | "dm";
  id: string;
}

const enc = encodeURIComponent;
const base = (c: ConvRef) => `/api/v1/${c.kind === "channel" ? "channels" : "dms"}/${c.id}`;

export const endpoints = {
  session: () => api.get<SessionInfo>("/auth/session"),
  logout: () => api.post<void>("/auth/logout"),

  me: () => api.get<UserProfile>("/api/v1/me"),
  setStatus: (s: { status_text: string; status_emoji: string; status_expiry: string | null }) =>
    api.put<UserProfile>("/api/v1/me/status", s),
  users: (q = "", limit = 20) =>
    api.get<{ users: UserProfile[] }>(`/api/v1/users?q=${enc(q)}&limit=${limit}`),
  user: (id: string) => api.get<UserProfile>(`/api/v1/users/${id}`),
  presence: (ids: readonly string[]) =>
    api.get<Record<string, { status: "online" | "away" | "offline"; last_seen: string | null }>>(
      `/api/v1/presence?user_ids=${ids.map(enc).join(",")}`,
    ),

  workspaces: () => api.get<{ workspaces: Workspace[] }>("/api/v1/workspaces"),
  channels: (wid: string) => api.get<{ channels: Channel[] }>(`/api/v1/workspaces/${wid}/channels`),
  createChannel: (wid: string, body: { name: string; description: string; is_private: boolean }) =>
    api.post<Channel>(`/api/v1/workspaces/${wid}/channels`, body),
  channel: (cid: string) => api.get<Channel>(`/api/v1/channels/${cid}`),
  joinChannel: (cid: string) => api.post<unknown>(`/api/v1/channels/${cid}/join`),
  members: (cid: string) => api.get<{ members: Member[] }>(`/api/v1/channels/${cid}/members`),
  addMember: (cid: string, userId: string) =>
    api.post<Member>(`/api/v1/channels/${cid}/members`, { user_id: userId }),

  dms: (wid: string) => api.get<{ dms: Dm[] }>(`/api/v1/workspaces/${wid}/dms`),
  openDm: (wid: string, userIds: string[]) =>
    api.post<Dm>(`/api/v1/workspaces/${wid}/dms`, { user_ids: userIds }),

  /** Newest first; `before`/`after` (message ids, exclusive) page from a message either way. */
  history: (c: ConvRef, o: { before?: string; after?: string; limit?: number } = {}) =>
    api.get<MessagePage>(
      `${base(c)}/messages${qs({ limit: o.limit ?? 50, before: o.before, after: o.after })}`,
    ),
  send: (c: ConvRef, content: string, clientMsgId: string, fileIds: string[] = []) =>
    api.post<Message>(`${base(c)}/messages`, {
      content,
      client_msg_id: clientMsgId,
      ...(fileIds.length ? { file_ids: fileIds } : {}),
    }),
  reply: (parentId: string, content: string, clientMsgId: string, fileIds: string[] = []) =>
    api.post<Message>(`/api/v1/messages/${parentId}/replies`, {
      content,
      client_msg_id: clientMsgId,
      ...(fileIds.length ? { file_ids: fileIds } : {}),
    }),
  replies: (parentId: string, limit = 200) =>
    api.get<ReplyPage>(`/api/v1/messages/${parentId}/replies?limit=${limit}`),
  message: (mid: string) => api.get<Message>(`/api/v1/messages/${mid}`),
  edit: (mid: string, content: string) =>
    api.patch<Message>(`/api/v1/messages/${mid}`, { content }),
  remove: (mid: string) => api.del<void>(`/api/v1/messages/${mid}`),
  react: (mid: string, emoji: string) =>
    api.put<Message>(`/api/v1/messages/${mid}/reactions/${enc(emoji)}`),
  unreact: (mid: string, emoji: string) =>
    api.del<Message>(`/api/v1/messages/${mid}/reactions/${enc(emoji)}`),
  /** Step 1 of an upload: where to PUT the bytes (the declared size and type are checked). */
  uploadUrl: (
    c: ConvRef,
    f: { filename: string; content_type: string; size_bytes: number },
  ) =>
    api.post<UploadUrl>("/api/v1/files/upload-url", {
      ...f,
      [c.kind === "channel" ? "channel_id" : "dm_id"]: c.id,
    }),
  /** Step 3, after the PUT: checked and scanned (or still pending, if the scanner was away). */
  confirmFile: (fid: string) => api.post<FileInfo>(`/api/v1/files/${fid}/confirm`),

  /** Words and the inline operators go in `q` as typed; the server reads them. */
  searchMessages: (q: string, o: { limit?: number; cursor?: string } = {}, signal?: AbortSignal) =>
    api.get<SearchPage<MessageHit>>(`/api/v1/search/messages${qs({ q, ...o })}`, { signal }),
  searchFiles: (
    q: string,
    o: { type?: string; limit?: number; cursor?: string } = {},
    signal?: AbortSignal,
  ) => api.get<SearchPage<FileHit>>(`/api/v1/search/files${qs({ q, ...o })}`, { signal }),

  markRead: (c: ConvRef, messageId: string) =>
    api.post<ReadState>(`${base(c)}/read`, { message_id: messageId }),

  /** Reports a message to the moderators; `created` is false when we had reported it already. */
  reportMessage: async (mid: string, reason: string) => {
    const res = await fetchOk("POST", `/api/v1/messages/${mid}/report`, { reason });
    return { report: await res.json() as Report, created: res.status === 201 };
  },

  // ---- moderation (realm moderators and admins) ----

  moderationActions: (q: ActionQuery = {}) =>
    api.get<{ actions: ModerationActionRecord[]; next_cursor: string | null }>(
      `/api/v1/admin/moderation-actions${qs({ ...q })}`,
    ),
  takeAction: (body: CreateModerationAction) =>
    api.post<ModerationActionRecord>("/api/v1/admin/moderation-actions", body),
  undoAction: (id: string) =>
    api.del<ModerationActionRecord>(`/api/v1/admin/moderation-actions/${id}`),
  reports: (q: { status: ReportStatus; limit?: number; cursor?: string }) =>
    api.get<{ reports: Report[]; next_cursor: string | null }>(`/api/v1/admin/reports${qs(q)}`),
  closeReport: (id: string, how: "resolve" | "dismiss", note?: string) =>
    api.post<Report>(`/api/v1/admin/reports/${id}/${how}`, note ? { note } : {}),
  lockThread: (mid: string) => api.put<Message>(`/api/v1/admin/threads/${mid}/lock`),
  unlockThread: (mid: string) => api.del<Message>(`/api/v1/admin/threads/${mid}/lock`),
  /** The audit log (realm admins), newest first. */
  auditLog: (f: AuditFilter, o: { limit?: number; cursor?: string } = {}) =>
    api.get<{ entries: AuditEntry[]; next_cursor: string | null }>(
      `/api/v1/admin/audit-log${qs({ ...f, ...o })}`,
    ),
  /** Every entry matching the filters, as the server's CSV export. */
  auditCsv: async (f: AuditFilter) =>
    await (await fetchOk("GET", `/api/v1/admin/audit-log${qs({ ...f })}`, undefined, {
      headers: { accept: "text/csv" },
    })).blob(),

  workspaceMembers: (wid: string) =>
    api.get<{ members: WorkspaceMember[] }>(`/api/v1/workspaces/${wid}/members`),
  setWorkspaceRole: (wid: string, uid: string, role: WorkspaceRole) =>
    api.patch<WorkspaceMember>(`/api/v1/workspaces/${wid}/members/${uid}`, { role }),
};
