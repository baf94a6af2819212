import type { Principal } from "@colink/auth";
import type { Report } from "@colink/contracts";
import type { ReportStatus } from "@colink/conversations";
import { inTransaction, presentReports, sqlStores } from "@colink/conversations";
import { conflict, notFound } from "@colink/http";
import { requireRealmPermission } from "./authority.ts";
import { decodeKeyset, encodeKeyset } from "./cursor.ts";
import type { AdminDeps } from "./deps.ts";

/** The moderation queue: reports in one status, oldest first, each with its message as it is. */
export async function listReports(
  d: AdminDeps,
  p: Principal,
  q: { status: ReportStatus; limit: number; cursor?: string },
): Promise<{ reports: Report[]; next_cursor: string | null }> {
  requireRealmPermission(p, "moderation.reports");
  const s = sqlStores(d.chat.sql);
  const rows = await s.reports.list({
    status: q.status,
    after: decodeKeyset(q.cursor),
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return {
    reports: await presentReports(s, page),
    next_cursor: rows.length > q.limit ? encodeKeyset(page.at(-1)!) : null,
  };
}

/** Resolves (acted on) or dismisses (nothing wrong) an open report; audited with the note. */
export async function closeReport(
  d: AdminDeps,
  p: Principal,
  id: string,
  status: "resolved" | "dismissed",
  note: string | undefined,
): Promise<Report> {
  requireRealmPermission(p, "moderation.reports");
  return await inTransaction(d.chat, async (u) => {
    const existing = await u.s.reports.get(id);
    if (!existing) throw notFound("report_not_found", "No such report");
    const closed = await u.s.reports.close(id, status, p.userId, note ?? null, d.chat.now());
    if (!closed) throw conflict("report_closed", `This report was ${existing.status} already`);
    await u.s.audit.append({
      user_id: p.userId,
      action: status === "resolved" ? "report.resolve" : "report.dismiss",
      resource_type: "report",
      resource_id: id,
      metadata: {
        message_id: closed.message_id,
        reporter_id: closed.reporter_id,
        note: note ?? null,
      },
    });
    return (await presentReports(u.s, [closed]))[0]!;
  });
}
