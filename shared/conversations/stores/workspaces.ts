import type { WorkspaceRole } from "@colink/auth";
import type { SqlExecutor } from "@colink/platform";
import type { WorkspaceMemberRecord, WorkspaceRecord } from "./types.ts";

export interface WorkspaceStore {
  /** undefined when the slug is taken. */
  create(
    w: { name: string; slug: string; created_by: string },
  ): Promise<WorkspaceRecord | undefined>;
  get(id: string): Promise<WorkspaceRecord | undefined>;
  /** The user's workspaces with their role there, oldest first. */
  listForUser(userId: string): Promise<(WorkspaceRecord & { role: WorkspaceRole })[]>;
  member(workspaceId: string, userId: string): Promise<WorkspaceMemberRecord | undefined>;
  members(workspaceId: string): Promise<WorkspaceMemberRecord[]>;
  /** undefined when they are a member already. */
  addMember(
    workspaceId: string,
    userId: string,
    role: WorkspaceRole,
  ): Promise<WorkspaceMemberRecord | undefined>;
  /** Of `userIds`, the ones that are members of the workspace. */
  membersAmong(workspaceId: string, userIds: readonly string[]): Promise<string[]>;
  /**
   * Locks the workspace's membership rows (role changes and removals serialize, so two owners
   * demoting each other cannot leave the workspace without one) and counts its owners.
   */
  lockOwners(workspaceId: string): Promise<number>;
  setRole(
    workspaceId: string,
    userId: string,
    role: WorkspaceRole,
  ): Promise<WorkspaceMemberRecord | undefined>;
  /** false when they were not a member. */
  removeMember(workspaceId: string, userId: string): Promise<boolean>;
}

const WS = "id, name, slug, created_by, created_at";

export function sqlWorkspaceStore(db: SqlExecutor): WorkspaceStore {
  return {
    async create(w) {
      const [row] = await db.query<WorkspaceRecord>(
        `insert into workspaces (name, slug, created_by) values ($1, $2, $3)
         on conflict (slug) do nothing returning ${WS}`,
        [w.name, w.slug, w.created_by],
      );
      return row;
    },
    async get(id) {
      const [row] = await db.query<WorkspaceRecord>(`select ${WS} from workspaces where id = $1`, [
        id,
      ]);
      return row;
    },
    listForUser(userId) {
      return db.query<WorkspaceRecord & { role: WorkspaceRole }>(
        `select w.id, w.name, w.slug, w.created_by, w.created_at, m.role
           from workspace_members m join workspaces w on w.id = m.workspace_id
          where m.user_id = $1 order by w.created_at, w.id`,
        [userId],
      );
    },
    async member(workspaceId, userId) {
      const [row] = await db.query<WorkspaceMemberRecord>(
        `select workspace_id, user_id, role, joined_at from workspace_members
          where workspace_id = $1 and user_id = $2`,
        [workspaceId, userId],
      );
      return row;
    },
    members(workspaceId) {
      return db.query<WorkspaceMemberRecord>(
        `select m.workspace_id, m.user_id, m.role, m.joined_at
           from workspace_members m join users u on u.id = m.user_id
          where m.workspace_id = $1 and u.deactivated_at is null
          order by m.joined_at, m.user_id`,
        [workspaceId],
      );
    },
    async addMember(workspaceId, userId, role) {
      const [row] = await db.query<WorkspaceMemberRecord>(
        `insert into workspace_members (workspace_id, user_id, role) values ($1, $2, $3)
         on conflict do nothing returning workspace_id, user_id, role, joined_at`,
        [workspaceId, userId, role],
      );
      return row;
    },
    async lockOwners(workspaceId) {
      await db.query("select id from workspaces where id = $1 for update", [workspaceId]);
      const [row] = await db.query<{ n: number }>(
        `select count(*)::int as n from workspace_members m join users u on u.id = m.user_id
          where m.workspace_id = $1 and m.role = 'owner' and u.deactivated_at is null`,
        [workspaceId],
      );
      return row!.n;
    },
    async setRole(workspaceId, userId, role) {
      const [row] = await db.query<WorkspaceMemberRecord>(
        `update workspace_members set role = $3 where workspace_id = $1 and user_id = $2
         returning workspace_id, user_id, role, joined_at`,
        [workspaceId, userId, role],
      );
      return row;
    },
    async removeMember(workspaceId, userId) {
      const rows = await db.query(
        "delete from workspace_members where workspace_id = $1 and user_id = $2 returning user_id",
        [workspaceId, userId],
      );
      return rows.length > 0;
    },
    async membersAmong(workspaceId, userIds) {
      if (!userIds.length) return [];
      const rows = await db.query<{ user_id: string }>(
        `select m.user_id from workspace_members m join users u on u.id = m.user_id
          where m.workspace_id = $1 and m.user_id = any($2::uuid[]) and u.deactivated_at is null`,
        [workspaceId, userIds],
      );
      return rows.map((r) => r.user_id);
    },
  };
}
