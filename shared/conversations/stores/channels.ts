import type { ChannelRole } from "@colink/auth";
import type { SqlExecutor } from "@colink/platform";
import { readCountColumns } from "./read_counts.ts";
import type { ChannelMemberRecord, ChannelRecord, ReadCounts } from "./types.ts";

/** A channel as one member (or a workspace member browsing it) sees it in a list. */
export interface ChannelListing extends ChannelRecord, ReadCounts {
  role: ChannelRole | null;
  member_count: number;
}

export interface ChannelStore {
  /**
   * Creates the channel with its first sequence position taken (its `channel.created` event).
   * undefined when the workspace has a channel of that name.
   */
  create(c: {
    workspace_id: string;
    name: string;
    description: string;
    is_private: boolean;
    is_default?: boolean;
    created_by: string;
  }): Promise<ChannelRecord | undefined>;
  get(id: string): Promise<ChannelRecord | undefined>;
  /**
   * Renames or describes it. `conflict` when the new name is taken in the workspace;
   * undefined when there is no such channel.
   */
  update(
    id: string,
    patch: { name?: string; description?: string },
  ): Promise<ChannelRecord | "conflict" | undefined>;
  /** Sets archived_at unless it is set; undefined when nothing changed. */
  archive(id: string, at: Date): Promise<ChannelRecord | undefined>;
  member(channelId: string, userId: string): Promise<ChannelMemberRecord | undefined>;
  members(channelId: string): Promise<ChannelMemberRecord[]>;
  /** Of `userIds`, the ones that are members of the channel. */
  membersAmong(channelId: string, userIds: readonly string[]): Promise<string[]>;
  /** undefined when they are a member already. New members start with everything read. */
  addMember(
    channelId: string,
    userId: string,
    role: ChannelRole,
  ): Promise<ChannelMemberRecord | undefined>;
  /** false when they were not a member. */
  removeMember(channelId: string, userId: string): Promise<boolean>;
  /**
   * The workspace's channels `userId` can see, by name: the ones they belong to and, when
   * `withPublic`, every public one (role null, nothing unread).
   */
  listVisible(workspaceId: string, userId: string, withPublic: boolean): Promise<ChannelListing[]>;
  /** One channel as `userId` sees it in a list. */
  listing(channelId: string, userId: string): Promise<ChannelListing | undefined>;
  defaultChannels(workspaceId: string): Promise<ChannelRecord[]>;
}

const CH =
  "id, workspace_id, name, description, is_private, is_default, archived_at, created_by, created_at";
const CHC = CH.split(", ").map((c) => `c.${c}`).join(", ");
const MEMBER = "channel_id, user_id, role, joined_at, last_read_seq";

export function sqlChannelStore(db: SqlExecutor): ChannelStore {
  const listingSql = (where: string) =>
    `select ${CHC}, cm.role,
            (select count(*) from channel_members x where x.channel_id = c.id)::int as member_count,
            coalesce(cm.last_read_seq, 0) as last_read_seq,
            ${
      readCountColumns("channel", "c.id", "$2::uuid", "coalesce(cm.last_read_seq, c.last_seq)")
    }
       from channels c
       left join channel_members cm on cm.channel_id = c.id and cm.user_id = $2
      where ${where}`;
  return {
    async create(c) {
      const [row] = await db.query<ChannelRecord>(
        `insert into channels (workspace_id, name, description, is_private, is_default, created_by, last_seq)
         values ($1, $2, $3, $4, $5, $6, 1)
         on conflict (workspace_id, name) do nothing returning ${CH}`,
        [c.workspace_id, c.name, c.description, c.is_private, c.is_default ?? false, c.created_by],
      );
      return row;
    },
    async get(id) {
      const [row] = await db.query<ChannelRecord>(`select ${CH} from channels where id = $1`, [id]);
      return row;
    },
    async update(id, patch) {
      // Checked first: a unique violation would abort the caller's transaction. The catch
      // below only covers two renames racing to the same name (then the caller must stop).
      if (patch.name !== undefined) {
        const taken = await db.query(
          `select 1 from channels c join channels me on me.id = $1
            where c.workspace_id = me.workspace_id and c.name = $2 and c.id <> $1`,
          [id, patch.name],
        );
        if (taken.length) return "conflict";
      }
      try {
        const [row] = await db.query<ChannelRecord>(
          `update channels set name = coalesce($2, name), description = coalesce($3, description),
                  updated_at = now()
            where id = $1 returning ${CH}`,
          [id, patch.name ?? null, patch.description ?? null],
        );
        return row;
      } catch (e) {
        if ((e as { code?: string }).code === "23505") return "conflict";
        throw e;
      }
    },
    async archive(id, at) {
      const [row] = await db.query<ChannelRecord>(
        `update channels set archived_at = $2, updated_at = now()
          where id = $1 and archived_at is null returning ${CH}`,
        [id, at],
      );
      return row;
    },
    async member(channelId, userId) {
      const [row] = await db.query<ChannelMemberRecord>(
        `select ${MEMBER} from channel_members where channel_id = $1 and user_id = $2`,
        [channelId, userId],
      );
      return row;
    },
    members(channelId) {
      return db.query<ChannelMemberRecord>(
        `select ${MEMBER} from channel_members where channel_id = $1 order by joined_at, user_id`,
        [channelId],
      );
    },
    async membersAmong(channelId, userIds) {
      if (!userIds.length) return [];
      const rows = await db.query<{ user_id: string }>(
        `select user_id from channel_members where channel_id = $1 and user_id = any($2::uuid[])`,
        [channelId, userIds],
      );
      return rows.map((r) => r.user_id);
    },
    async addMember(channelId, userId, role) {
      const [row] = await db.query<ChannelMemberRecord>(
        `insert into channel_members (channel_id, user_id, role, last_read_seq)
         select $1, $2, $3, last_seq from channels where id = $1
         on conflict do nothing returning ${MEMBER}`,
        [channelId, userId, role],
      );
      return row;
    },
    async removeMember(channelId, userId) {
      const rows = await db.query(
        "delete from channel_members where channel_id = $1 and user_id = $2 returning user_id",
        [channelId, userId],
      );
      return rows.length > 0;
    },
    listVisible(workspaceId, userId, withPublic) {
      return db.query<ChannelListing>(
        `${
          listingSql(
            "c.workspace_id = $1 and (cm.user_id is not null or ($3 and not c.is_private))",
          )
        }
         order by c.name`,
        [workspaceId, userId, withPublic],
      );
    },
    async listing(channelId, userId) {
      const [row] = await db.query<ChannelListing>(listingSql("c.id = $1"), [channelId, userId]);
      return row;
    },
    defaultChannels(workspaceId) {
      return db.query<ChannelRecord>(
        `select ${CH} from channels where workspace_id = $1 and is_default and archived_at is null`,
        [workspaceId],
      );
    },
  };
}
