import type { Principal } from "@colink/auth";
import type { AuditEntry } from "@colink/contracts";
import { type AuditRow, type Keyset, sqlStores } from "@colink/conversations";
import type { Doc } from "@colink/platform";
import { requireRealmPermission } from "./authority.ts";
import { decodeKeyset, nextPage } from "./cursor.ts";
import type { AdminDeps } from "./deps.ts";

/** The seed's "Admin Audit Blobs" collection. */
export const AUDIT_COLLECTION = "admin_audit";

export interface AuditQuery {
  actor_id?: string;
  action?: string;
  resource_type?: string;
  since?: string;
  limit: number;
  cursor?: string;
}

const filterOf = (q: AuditQuery) => ({
  actorId: q.actor_id,
  action: q.action,
  resourceType: q.resource_type,
  since: q.since ? new Date(q.since) : undefined,
});

/** A page of the audit log, newest first (realm admins only). */
export async function listAudit(
  d: AdminDeps,
  p: Principal,
  q: AuditQuery,
): Promise<{ entries: AuditEntry[]; next_cursor: string | null }> {
  requireRealmPermission(p, "audit.read");
  const rows = await sqlStores(d.chat.sql).audit.list({
    ...filterOf(q),
    before: decodeKeyset(q.cursor),
    limit: q.limit + 1,
  });
  const { page, next_cursor } = nextPage(rows, q.limit);
  return { entries: page.map(presentAudit), next_cursor };
}

const CSV_COLUMNS = [
  "id",
  "created_at",
  "actor_id",
  "action",
  "resource_type",
  "resource_id",
  "metadata",
] as const;

/**
 * Every entry matching the filters as CSV (RFC 4180), newest first, read page by page so a long
 * log never sits in memory whole. Cells that a spreadsheet would run as a formula are prefixed
 * with an apostrophe (CSV injection: a reason typed as "=HYPERLINK(...)").
 */
export function exportAuditCsv(
  d: AdminDeps,
  p: Principal,
  q: AuditQuery,
): ReadableStream<Uint8Array> {
  requireRealmPermission(p, "audit.read");
  const store = sqlStores(d.chat.sql).audit;
  const enc = new TextEncoder();
  let before: Keyset | undefined = decodeKeyset(q.cursor);
  let headerSent = false;
  let done = false;
  return new ReadableStream({
    async pull(ctl) {
      if (!headerSent) {
        headerSent = true;
        ctl.enqueue(enc.encode(CSV_COLUMNS.join(",") + "\r\n"));
        return;
      }
      if (done) return ctl.close();
      const rows = await store.list({ ...filterOf(q), before, limit: 1000 });
      if (rows.length < 1000) done = true;
      if (rows.length) before = rows.at(-1)!;
      const lines = rows.map((r) => {
        const e = presentAudit(r);
        return CSV_COLUMNS.map((c) =>
          csvCell(c === "metadata" ? JSON.stringify(e.metadata) : e[c] ?? "")
        ).join(",");
      });
      if (lines.length) ctl.enqueue(enc.encode(lines.join("\r\n") + "\r\n"));
      if (done) ctl.close();
    },
  });
}

export function csvCell(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n']/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function presentAudit(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    actor_id: r.user_id,
    action: r.action,
    resource_type: r.resource_type,
    resource_id: r.resource_id,
    metadata: r.metadata,
    created_at: r.created_at.toISOString(),
  };
}

/**
 * A denied attempt at an admin route (403 to a signed-in caller), on the record. Written on its
 * own: there is no action to share a transaction with.
 */
export async function recordDenied(
  d: AdminDeps,
  p: Principal,
  attempt: { method: string; path: string; code: string; ip: string | null },
): Promise<void> {
  await sqlStores(d.chat.sql).audit.append({
    user_id: p.userId,
    action: "admin.denied",
    resource_type: "route",
    resource_id: `${attempt.method} ${attempt.path}`,
    metadata: { code: attempt.code, ip: attempt.ip, realm_roles: p.realmRoles },
  });
}

/**
 * Copies the audit log into the document store as the seed's admin audit blobs
 * (`{audit_id, action_type, actor_id, target_id, details, timestamp}`). PostgreSQL is the
 * authority; the copy follows it from a watermark, re-reading the last minute each pass so an
 * entry whose transaction committed late is not skipped, and inserting only what is missing
 * (idempotent, so every instance may run it).
 */
export function createAuditMirror(
  d: AdminDeps,
  overlapMs = 60_000,
): { run(): Promise<number> } {
  const docs = d.docs.collection(AUDIT_COLLECTION);
  let watermark: Keyset | undefined;
  let started = false;
  return {
    /** One pass; how many blobs it wrote. */
    async run(): Promise<number> {
      if (!started) {
        await docs.ensureIndex({ audit_id: 1 }, { unique: true });
        const [newest] = await docs.find({}, { sort: { timestamp: -1 }, limit: 1 });
        if (newest) {
          watermark = { created_at: newest.timestamp as Date, id: ZERO_UUID };
        }
        started = true;
      }
      const store = sqlStores(d.chat.sql).audit;
      let written = 0;
      let from: Keyset | undefined = watermark &&
        { created_at: new Date(watermark.created_at.getTime() - overlapMs), id: ZERO_UUID };
      for (;;) {
        const rows = await store.from(from, 500);
        if (!rows.length) break;
        const have = new Set(
          (await docs.find({ audit_id: { $in: rows.map((r) => r.id) } })).map((x) => x.audit_id),
        );
        for (const r of rows) {
          if (have.has(r.id)) continue;
          await docs.insertOne(auditBlob(r)).catch((e) => {
            if ((e as Error).name !== "DuplicateKeyError") throw e;
          });
          written++;
        }
        const last = rows.at(-1)!;
        if (!watermark || last.created_at > watermark.created_at) {
          watermark = { created_at: last.created_at, id: last.id };
        }
        if (rows.length < 500) break;
        from = { created_at: last.created_at, id: last.id };
      }
      return written;
    },
  };
}

const ZERO_UUID = "00000000-0000-0000-0000-000000000000";

export function auditBlob(r: AuditRow): Doc {
  return {
    audit_id: r.id,
    action_type: r.action,
    actor_id: r.user_id,
    target_id: r.resource_id,
    details: { resource_type: r.resource_type, ...r.metadata },
    timestamp: r.created_at,
  };
}
