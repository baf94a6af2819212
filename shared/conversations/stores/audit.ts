import type { SqlExecutor } from "@colink/platform";
import type { Keyset } from "./moderation.ts";

/** One audit entry (the seed's `audit_log`; `user_id` is the actor). */
export interface AuditRow {
  id: string;
  user_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  metadata: Record<string, unknown>;
  created_at: Date;
}

export type NewAuditEntry = Omit<AuditRow, "id" | "created_at"> & { created_at?: Date };

export interface AuditFilter {
  actorId?: string;
  action?: string;
  resourceType?: string;
  since?: Date;
  before?: Keyset;
  limit: number;
}

/** Append-only: the table refuses UPDATE, DELETE and TRUNCATE (migration 0006). */
export interface AuditStore {
  append(e: NewAuditEntry): Promise<AuditRow>;
  /** Newest first. */
  list(f: AuditFilter): Promise<AuditRow[]>;
  /** Oldest first after `from`: what the document-store mirror copies. */
  from(from: Keyset | undefined, limit: number): Promise<AuditRow[]>;
}

const COLS = "id, user_id, action, resource_type, resource_id, metadata, created_at";

export function sqlAuditStore(db: SqlExecutor): AuditStore {
  return {
    async append(e) {
      const [row] = await db.query<AuditRow>(
        `insert into audit_log (user_id, action, resource_type, resource_id, metadata, created_at)
         values ($1, $2, $3, $4, $5::jsonb, coalesce($6, now())) returning ${COLS}`,
        [
          e.user_id,
          e.action,
          e.resource_type,
          e.resource_id,
          JSON.stringify(e.metadata),
          e.created_at ?? null,
        ],
      );
      return row!;
    },
    list(f) {
      const where: string[] = [];
      const params: unknown[] = [];
      const param = (v: unknown) => `$${params.push(v)}`;
      if (f.actorId) where.push(`user_id = ${param(f.actorId)}`);
      if (f.action) where.push(`action = ${param(f.action)}`);
      if (f.resourceType) where.push(`resource_type = ${param(f.resourceType)}`);
      if (f.since) where.push(`created_at >= ${param(f.since)}`);
      if (f.before) {
        where.push(
          `(created_at, id) < (${param(f.before.created_at)}, ${param(f.before.id)}::uuid)`,
        );
      }
      return db.query<AuditRow>(
        `select ${COLS} from audit_log ${where.length ? `where ${where.join(" and ")}` : ""}
          order by created_at desc, id desc limit ${param(f.limit)}`,
        params,
      );
    },
    from: (from, limit) =>
      db.query<AuditRow>(
        `select ${COLS} from audit_log
          where $1::timestamptz is null or (created_at, id) > ($1, $2::uuid)
          order by created_at, id limit $3`,
        [from?.created_at ?? null, from?.id ?? "00000000-0000-0000-0000-000000000000", limit],
      ),
  };
}
