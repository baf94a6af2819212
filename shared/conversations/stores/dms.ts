import type { SqlExecutor } from "@colink/platform";
import { readCountColumns } from "./read_counts.ts";
import type { DmRecord, ReadCounts } from "./types.ts";

export interface DmListing extends DmRecord, ReadCounts {}

export interface DmStore {
  /**
   * The DM of exactly this set of people in the workspace, created if there is none. Two callers
   * opening it at the same moment get the same row: the set's key is unique, and the loser of
   * the insert race reads the winner's row. `created` tells whether this call made it (its
   * first sequence position is then taken, for its `dm.created` event).
   */
  open(workspaceId: string, participantIds: readonly string[]): Promise<{
    dm: DmRecord;
    created: boolean;
  }>;
  get(id: string): Promise<DmRecord | undefined>;
  /** The user's DMs in the workspace, most recently active first. */
  listForUser(workspaceId: string, userId: string): Promise<DmListing[]>;
  listing(dmId: string, userId: string): Promise<DmListing | undefined>;
}

/** The same set of people, in any order and with repeats, always gives the same key. */
export const participantKey = (ids: readonly string[]): string =>
  [...new Set(ids.map((i) => i.toLowerCase()))].sort().join(",");

const DM = `d.id, d.workspace_id, d.created_at,
  array(select p.user_id from dm_participants p where p.dm_id = d.id order by p.user_id) as participant_ids`;

export function sqlDmStore(db: SqlExecutor): DmStore {
  const listingSql = (where: string) =>
    `select ${DM}, p.last_read_seq,
            ${readCountColumns("dm", "d.id", "$2::uuid", "p.last_read_seq")}
       from direct_messages d join dm_participants p on p.dm_id = d.id and p.user_id = $2
      where ${where}`;
  const byId = async (id: string) => {
    const [row] = await db.query<DmRecord>(`select ${DM} from direct_messages d where d.id = $1`, [
      id,
    ]);
    return row;
  };
  return {
    async open(workspaceId, participantIds) {
      const key = participantKey(participantIds);
      const [made] = await db.query<{ id: string }>(
        `insert into direct_messages (workspace_id, participant_key, last_seq) values ($1, $2, 1)
         on conflict (workspace_id, participant_key) do nothing returning id`,
        [workspaceId, key],
      );
      if (made) {
        await db.query(
          `insert into dm_participants (dm_id, user_id) select $1, unnest($2::uuid[])`,
          [made.id, key.split(",")],
        );
        return { dm: (await byId(made.id))!, created: true };
      }
      const [row] = await db.query<{ id: string }>(
        "select id from direct_messages where workspace_id = $1 and participant_key = $2",
        [workspaceId, key],
      );
      return { dm: (await byId(row!.id))!, created: false };
    },
    get: byId,
    listForUser(workspaceId, userId) {
      return db.query<DmListing>(
        `select * from (${listingSql("d.workspace_id = $1")}) x
          order by coalesce(x.last_message_at, x.created_at) desc, x.id`,
        [workspaceId, userId],
      );
    },
    async listing(dmId, userId) {
      const [row] = await db.query<DmListing>(listingSql("d.id = $1"), [dmId, userId]);
      return row;
    },
  };
}
