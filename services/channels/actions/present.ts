import type { Channel, Dm, Workspace } from "@colink/contracts";
import {
  type ChannelListing,
  channelSnapshot,
  type DmListing,
  type WorkspaceRecord,
} from "@colink/conversations";
import type { WorkspaceRole } from "@colink/auth";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const toWorkspace = (w: WorkspaceRecord, role: WorkspaceRole | null): Workspace => ({
  id: w.id,
  name: w.name,
  slug: w.slug,
  role,
  created_at: w.created_at.toISOString(),
});

export const toChannel = (c: ChannelListing): Channel => ({
  ...channelSnapshot(c),
  role: c.role,
  member_count: c.member_count,
  // A channel the caller only browses has nothing unread for them.
  unread_count: c.role ? c.unread_count : 0,
  mention_count: c.role ? c.mention_count : 0,
  last_read_message_id: c.role ? c.last_read_message_id : null,
  last_message_at: iso(c.last_message_at),
});

export const toDm = (d: DmListing): Dm => ({
  id: d.id,
  workspace_id: d.workspace_id,
  participant_ids: d.participant_ids,
  created_at: d.created_at.toISOString(),
  unread_count: d.unread_count,
  mention_count: d.mention_count,
  last_read_message_id: d.last_read_message_id,
  last_message_at: iso(d.last_message_at),
});
