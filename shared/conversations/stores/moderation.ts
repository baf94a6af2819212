import type { SqlExecutor } from "@colink/platform";

export type ModerationActionType = "warn" | "mute" | "kick" | "ban";

export interface ModerationActionRow {
  id: string;
  action_type: ModerationActionType;
  target_user_id: string;
  actor_id: string;
  channel_id: string | null;
  workspace_id: string | null;
  reason: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  lifted_at: Date | null;
}

export type NewModerationAction = Omit<
  ModerationActionRow,
  "revoked_at" | "revoked_by" | "lifted_at"
>;

/** A keyset position in a newest-first list. */
export interface Keyset {
  created_at: Date;
  id: string;
}

export interface ModerationStore {
  insert(a: NewModerationAction): Promise<ModerationActionRow>;
  /** Locks the row until the transaction ends (undo and expiry must not both lift it). */
  getForUpdate(id: string): Promise<ModerationActionRow | undefined>;
  /** Newest first; `active`: mutes and bans in force at `now` (true) or everything else. */
  list(f: {
    targetUserId?: string;
    active?: boolean;
    now: Date;
    before?: Keyset;
    limit: number;
  }): Promise<ModerationActionRow[]>;
  /** Undoes it; undefined when it was undone already. */
  revoke(id: string, by: string, at: Date): Promise<ModerationActionRow | undefined>;
  /**
   * The mute in force at `now` that covers a send by `userId` in this place: one of the channel,
   * one of the channel's workspace, or one everywhere.
   */
  activeMute(
    userId: string,
    place: { channelId: string | null; workspaceId: string },
    now: Date,
  ): Promise<ModerationActionRow | undefined>;
  /** Bans whose time is up and that nobody lifted yet, oldest first. */
  expiredBans(now: Date, limit: number): Promise<ModerationActionRow[]>;
  markLifted(id: string, at: Date): Promise<void>;
  /** Whether another ban of the user is in force besides `exceptId` (lifting one keeps them out). */
  otherActiveBan(userId: string, exceptId: string, now: Date): Promise<boolean>;
}

const COLS =
  `id, action_type, target_user_id, actor_id, channel_id, workspace_id, reason, created_at,
  expires_at, revoked_at, revoked_by, lifted_at`;
const IN_FORCE = `action_type in ('mute', 'ban') and revoked_at is null and lifted_at is null
  and (expires_at is null or expires_at > $NOW)`;

export function sqlModerationStore(db: SqlExecutor): ModerationStore {
  const one = async (text: string, params: unknown[]) =>
    (await db.query<ModerationActionRow>(text, params))[0];
  return {
    async insert(a) {
      return (await one(
        `insert into moderation_actions (id, action_type, target_user_id, actor_id, channel_id,
           workspace_id, reason, created_at, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning ${COLS}`,
        [
          a.id,
          a.action_type,
          a.target_user_id,
          a.actor_id,
          a.channel_id,
          a.workspace_id,
          a.reason,
          a.created_at,
          a.expires_at,
        ],
      ))!;
    },
    getForUpdate: (id) =>
      one(`select ${COLS} from moderation_actions where id = $1 for update`, [id]),
    list(f) {
      const params: unknown[] = [];
      const param = (v: unknown) => `$${params.push(v)}`;
      const where = [`$${params.push(f.now)}::timestamptz is not null`];
      if (f.targetUserId) where.push(`target_user_id = ${param(f.targetUserId)}`);
      if (f.active !== undefined) {
        where.push(`${f.active ? "" : "not "}(${IN_FORCE.replaceAll("$NOW", "$1")})`);
      }
      if (f.before) {
        where.push(
          `(created_at, id) < (${param(f.before.created_at)}, ${param(f.before.id)}::uuid)`,
        );
      }
      return db.query<ModerationActionRow>(
        `select ${COLS} from moderation_actions where ${where.join(" and ")}
          order by created_at desc, id desc limit ${param(f.limit)}`,
        params,
      );
    },
    revoke: (id, by, at) =>
      one(
        `update moderation_actions set revoked_at = $3, revoked_by = $2
          where id = $1 and revoked_at is null returning ${COLS}`,
        [id, by, at],
      ),
    activeMute: (userId, place, now) =>
      one(
        `select ${COLS} from moderation_actions
          where target_user_id = $1 and action_type = 'mute' and revoked_at is null
            and (expires_at is null or expires_at > $2)
            and (channel_id is null or channel_id = $3)
            and (workspace_id is null or workspace_id = $4)
          order by expires_at desc nulls first limit 1`,
        [userId, now, place.channelId, place.workspaceId],
      ),
    expiredBans: (now, limit) =>
      db.query<ModerationActionRow>(
        `select ${COLS} from moderation_actions
          where action_type = 'ban' and revoked_at is null and lifted_at is null
            and expires_at is not null and expires_at <= $1
          order by expires_at limit $2`,
        [now, limit],
      ),
    async markLifted(id, at) {
      await db.query("update moderation_actions set lifted_at = $2 where id = $1", [id, at]);
    },
    async otherActiveBan(userId, exceptId, now) {
      const rows = await db.query(
        `select 1 from moderation_actions
          where target_user_id = $1 and id <> $2 and action_type = 'ban'
            and ${IN_FORCE.replaceAll("$NOW", "$3")} limit 1`,
        [userId, exceptId, now],
      );
      return rows.length > 0;
    },
  };
}
