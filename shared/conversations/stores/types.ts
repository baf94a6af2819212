import type { ChannelRole, WorkspaceRole } from "@colink/auth";

/** A channel or a DM: both hold messages, have members and a commit-ordered sequence. */
export type ConversationKind = "channel" | "dm";

export interface ConversationRef {
  kind: ConversationKind;
  id: string;
}

export interface WorkspaceRecord {
  id: string;
  name: string;
  slug: string;
  created_by: string | null;
  created_at: Date;
}

export interface WorkspaceMemberRecord {
  workspace_id: string;
  user_id: string;
  role: WorkspaceRole;
  joined_at: Date;
}

export interface ChannelRecord {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  is_private: boolean;
  is_default: boolean;
  archived_at: Date | null;
  created_by: string | null;
  created_at: Date;
}

export interface ChannelMemberRecord {
  channel_id: string;
  user_id: string;
  role: ChannelRole;
  joined_at: Date;
  last_read_seq: number;
}

export interface DmRecord {
  id: string;
  workspace_id: string;
  /** Sorted. */
  participant_ids: string[];
  created_at: Date;
}

export interface MessageRecord {
  id: string;
  channel_id: string | null;
  dm_id: string | null;
  user_id: string;
  parent_id: string | null;
  seq: number;
  content: string;
  client_msg_id: string | null;
  mentions: string[];
  created_at: Date;
  edited_at: Date | null;
  deleted_at: Date | null;
  deleted_by: string | null;
  /** Set on a thread's first message while the thread takes no replies. */
  thread_locked_at: Date | null;
}

export interface NewMessage {
  id: string;
  conversation: ConversationRef;
  user_id: string;
  parent_id: string | null;
  seq: number;
  content: string;
  client_msg_id: string | null;
  mentions: string[];
  created_at: Date;
}

export interface ThreadSummary {
  reply_count: number;
  last_reply_at: Date | null;
}

export interface ReactionRecord {
  id: string;
  message_id: string;
  user_id: string;
  emoji: string;
  created_at: Date;
}

/** A member's position in a conversation and what is unread after it. */
export interface ReadCounts {
  last_read_seq: number;
  last_read_message_id: string | null;
  unread_count: number;
  mention_count: number;
  last_message_at: Date | null;
}

/** Keyset page bounds: sequence positions, exclusive. */
export interface SeqWindow {
  beforeSeq?: number;
  afterSeq?: number;
  limit: number;
}
