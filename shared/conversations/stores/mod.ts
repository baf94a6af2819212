import type { SqlExecutor } from "@colink/platform";
import { type AuditStore, sqlAuditStore } from "./audit.ts";
import { type ChannelStore, sqlChannelStore } from "./channels.ts";
import { type DmStore, sqlDmStore } from "./dms.ts";
import { type FileStore, sqlFileStore } from "./files.ts";
import { type IdempotencyStore, sqlIdempotencyStore } from "./idempotency.ts";
import { type MessageStore, sqlMessageStore } from "./messages.ts";
import { type ModerationStore, sqlModerationStore } from "./moderation.ts";
import { type ReactionStore, sqlReactionStore } from "./reactions.ts";
import { type ReadStateStore, sqlReadStateStore } from "./read_state.ts";
import { type ReportStore, sqlReportStore } from "./reports.ts";
import { type SequenceStore, sqlSequenceStore } from "./sequences.ts";
import { sqlWorkspaceStore, type WorkspaceStore } from "./workspaces.ts";

export type { AuditFilter, AuditRow, AuditStore, NewAuditEntry } from "./audit.ts";
export type { ChannelListing, ChannelStore } from "./channels.ts";
export { type DmListing, type DmStore, participantKey } from "./dms.ts";
export type {
  AttachRefusal,
  FileRecord,
  FileStore,
  FileVersionRecord,
  FileVersionStatus,
  NewFile,
  NewFileVersion,
  VersionPatch,
} from "./files.ts";
export type { IdempotencyStore, StoredResponse } from "./idempotency.ts";
export type { MessagePageRows, MessageStore } from "./messages.ts";
export type {
  Keyset,
  ModerationActionRow,
  ModerationActionType,
  ModerationStore,
  NewModerationAction,
} from "./moderation.ts";
export type { ReportRow, ReportStatus, ReportStore } from "./reports.ts";
export type { ReactionStore } from "./reactions.ts";
export type { ReadStateStore } from "./read_state.ts";
export type { SequenceStore } from "./sequences.ts";
export type { WorkspaceStore } from "./workspaces.ts";
export * from "./types.ts";

/** Every conversation store, over one executor: the pool for reads, or an action's transaction. */
export interface Stores {
  workspaces: WorkspaceStore;
  channels: ChannelStore;
  dms: DmStore;
  messages: MessageStore;
  reactions: ReactionStore;
  reads: ReadStateStore;
  sequences: SequenceStore;
  idempotency: IdempotencyStore;
  files: FileStore;
  moderation: ModerationStore;
  reports: ReportStore;
  audit: AuditStore;
}

export function sqlStores(db: SqlExecutor): Stores {
  return {
    workspaces: sqlWorkspaceStore(db),
    channels: sqlChannelStore(db),
    dms: sqlDmStore(db),
    messages: sqlMessageStore(db),
    reactions: sqlReactionStore(db),
    reads: sqlReadStateStore(db),
    sequences: sqlSequenceStore(db),
    idempotency: sqlIdempotencyStore(db),
    files: sqlFileStore(db),
    moderation: sqlModerationStore(db),
    reports: sqlReportStore(db),
    audit: sqlAuditStore(db),
  };
}
