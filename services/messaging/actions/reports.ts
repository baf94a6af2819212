import type { Principal } from "@colink/auth";
import type { Report } from "@colink/contracts";
import { type ChatDeps, presentReports, sqlStores } from "@colink/conversations";
import { badRequest, conflict } from "@colink/http";
import { loadMessage } from "./messages.ts";

/**
 * Reports a message to the moderators. Only a message the caller can see (else 404, like one
 * that does not exist), not their own, not deleted. Reporting again returns the first report
 * (created: false) instead of queueing a duplicate.
 */
export async function reportMessage(
  d: ChatDeps,
  p: Principal,
  id: string,
  reason: string,
): Promise<{ report: Report; created: boolean }> {
  const { message } = await loadMessage(d, p, id);
  if (message.user_id === p.userId) {
    throw badRequest("cannot_report_own_message", "You cannot report your own message");
  }
  if (message.deleted_at) throw conflict("message_deleted", "This message was deleted");
  const s = sqlStores(d.sql);
  const r = await s.reports.create({
    message_id: id,
    reporter_id: p.userId,
    reason,
    at: d.now(),
  });
  return { report: (await presentReports(s, [r.report]))[0]!, created: r.created };
}
