import { z } from "@hono/zod-openapi";
import { Message, WorkspaceRole } from "./conversations.ts";

/**
 * REST shapes of moderation, reports, the audit log and role administration (shared/API.md,
 * "Moderation"). Bodies are strict: an unknown field is a 400, never silently ignored.
 */

const uuid = z.uuid();
const datetime = z.iso.datetime({ offset: true });
const reason = z.string().trim().min(1).max(1000)
  .refine((v) => !v.includes("\u0000"), "must not contain NUL characters");

export const MODERATION_ACTION_TYPES = ["warn", "mute", "kick", "ban"] as const;
export const ModerationActionType = z.enum(MODERATION_ACTION_TYPES);
export type ModerationActionType = z.infer<typeof ModerationActionType>;

/** At most a year: longer is what "no duration" (until undone) is for. */
const MAX_DURATION_SECONDS = 366 * 24 * 3600;

export const CreateModerationAction = z.object({
  action_type: ModerationActionType,
  target_user_id: uuid,
  reason,
  channel_id: uuid.optional().openapi({
    description: "mute or kick: in this channel only",
  }),
  workspace_id: uuid.optional().openapi({
    description: "mute or kick: in this workspace (and all its channels)",
  }),
  duration_seconds: z.number().int().positive().max(MAX_DURATION_SECONDS).optional().openapi({
    description: "mute and ban: lifted on its own after this long (default: until undone)",
  }),
}).strict().superRefine((v, ctx) => {
  if (v.channel_id && v.workspace_id) {
    ctx.addIssue({
      code: "custom",
      path: ["workspace_id"],
      message: "give channel_id or workspace_id, not both",
    });
  }
  if (v.action_type === "kick" && !v.channel_id && !v.workspace_id) {
    ctx.addIssue({
      code: "custom",
      path: ["channel_id"],
      message: "kick needs channel_id or workspace_id",
    });
  }
  if (v.duration_seconds !== undefined && v.action_type !== "mute" && v.action_type !== "ban") {
    ctx.addIssue({ code: "custom", path: ["duration_seconds"], message: "only mute and ban last" });
  }
  if (v.action_type === "ban" && (v.channel_id || v.workspace_id)) {
    ctx.addIssue({ code: "custom", path: ["action_type"], message: "a ban is account-wide" });
  }
}).openapi("CreateModerationAction");
export type CreateModerationAction = z.infer<typeof CreateModerationAction>;

export const ModerationActionRecord = z.object({
  id: uuid,
  action_type: ModerationActionType,
  target_user_id: uuid,
  channel_id: uuid.nullable(),
  workspace_id: uuid.nullable(),
  reason: z.string(),
  expires_at: datetime.nullable(),
  created_at: datetime,
  actor_id: uuid,
  revoked_at: datetime.nullable(),
  revoked_by: uuid.nullable(),
  active: z.boolean().openapi({ description: "A mute or ban in force now" }),
}).openapi("ModerationAction");
export type ModerationActionRecord = z.infer<typeof ModerationActionRecord>;

export const ModerationActionList = z.object({
  actions: z.array(ModerationActionRecord).openapi({ description: "Newest first" }),
  next_cursor: z.string().nullable(),
}).openapi("ModerationActionList");

export const ModerationActionQuery = z.object({
  target_user_id: uuid.optional(),
  active: z.enum(["true", "false"]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

// ---- reports ----

export const REPORT_STATUSES = ["open", "resolved", "dismissed"] as const;
export const ReportStatus = z.enum(REPORT_STATUSES);

export const CreateReport = z.object({ reason }).strict().openapi("CreateReport");

export const Report = z.object({
  id: uuid,
  message_id: uuid,
  reporter_id: uuid,
  reason: z.string(),
  status: ReportStatus,
  created_at: datetime,
  resolved_at: datetime.nullable(),
  resolved_by: uuid.nullable(),
  resolution_note: z.string().nullable(),
  message: Message.openapi({ description: "The message as it is now (a tombstone if deleted)" }),
}).openapi("Report");
export type Report = z.infer<typeof Report>;

export const ReportList = z.object({
  reports: z.array(Report).openapi({ description: "Oldest open first (a queue)" }),
  next_cursor: z.string().nullable(),
}).openapi("ReportList");

export const ReportQuery = z.object({
  status: ReportStatus.default("open"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const CloseReport = z.object({
  note: z.string().trim().max(1000).optional(),
}).strict().openapi("CloseReport");

// ---- audit log ----

export const AuditEntry = z.object({
  id: uuid,
  actor_id: uuid.nullable(),
  action: z.string(),
  resource_type: z.string(),
  resource_id: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: datetime,
}).openapi("AuditEntry");
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditLog = z.object({
  entries: z.array(AuditEntry).openapi({ description: "Newest first" }),
  next_cursor: z.string().nullable(),
}).openapi("AuditLog");

export const AuditQuery = z.object({
  actor_id: uuid.optional(),
  action: z.string().max(100).optional(),
  resource_type: z.string().max(100).optional(),
  since: datetime.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
});

// ---- roles ----

export const ChangeWorkspaceRole = z.object({ role: WorkspaceRole }).strict().openapi(
  "ChangeWorkspaceRole",
);
