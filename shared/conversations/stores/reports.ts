import type { SqlExecutor } from "@colink/platform";
import type { Keyset } from "./moderation.ts";

export type ReportStatus = "open" | "resolved" | "dismissed";

export interface ReportRow {
  id: string;
  message_id: string;
  reporter_id: string;
  reason: string;
  status: ReportStatus;
  created_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution_note: string | null;
}

export interface ReportStore {
  /** One report per reporter and message: a second one returns the first (created: false). */
  create(
    r: { message_id: string; reporter_id: string; reason: string; at: Date },
  ): Promise<{ report: ReportRow; created: boolean }>;
  get(id: string): Promise<ReportRow | undefined>;
  /** Oldest first (a queue), after the keyset. */
  list(f: { status: ReportStatus; after?: Keyset; limit: number }): Promise<ReportRow[]>;
  /** Resolves or dismisses an open report; undefined when it was not open. */
  close(
    id: string,
    status: "resolved" | "dismissed",
    by: string,
    note: string | null,
    at: Date,
  ): Promise<ReportRow | undefined>;
}

const COLS =
  "id, message_id, reporter_id, reason, status, created_at, resolved_at, resolved_by, resolution_note";

export function sqlReportStore(db: SqlExecutor): ReportStore {
  const one = async (text: string, params: unknown[]) =>
    (await db.query<ReportRow>(text, params))[0];
  return {
    async create(r) {
      const made = await one(
        `insert into message_reports (message_id, reporter_id, reason, created_at)
         values ($1, $2, $3, $4) on conflict (message_id, reporter_id) do nothing
         returning ${COLS}`,
        [r.message_id, r.reporter_id, r.reason, r.at],
      );
      if (made) return { report: made, created: true };
      const existing = await one(
        `select ${COLS} from message_reports where message_id = $1 and reporter_id = $2`,
        [r.message_id, r.reporter_id],
      );
      return { report: existing!, created: false };
    },
    get: (id) => one(`select ${COLS} from message_reports where id = $1`, [id]),
    list: (f) =>
      db.query<ReportRow>(
        `select ${COLS} from message_reports
          where status = $1 and ($2::timestamptz is null or (created_at, id) > ($2, $3::uuid))
          order by created_at, id limit $4`,
        [f.status, f.after?.created_at ?? null, f.after?.id ?? null, f.limit],
      ),
    close: (id, status, by, note, at) =>
      one(
        `update message_reports set status = $2, resolved_by = $3, resolution_note = $4,
           resolved_at = $5
          where id = $1 and status = 'open' returning ${COLS}`,
        [id, status, by, note, at],
      ),
  };
}
