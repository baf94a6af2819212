// The conversation domain shared by the channels and messaging services: stores per aggregate
// (one contract suite, PGlite and PostgreSQL), the access rules, the metadata cache, mentions,
// reactions' emoji rules and how messages are presented.
export * from "./stores/mod.ts";
export {
  type Access,
  accessConversation,
  notVisible,
  requirePermission,
  requireWritable,
} from "./access.ts";
export {
  CHANNEL_METADATA_TTL_MS,
  type ConversationDirectory,
  conversationDirectory,
  type ConversationMeta,
} from "./directory.ts";
export {
  type MentionTokens,
  type OnlineFilter,
  parseMentions,
  resolveMentions,
} from "./mentions.ts";
export { isValidEmoji, MAX_DISTINCT_REACTIONS } from "./emoji.ts";
export {
  attachedFile,
  channelSnapshot,
  presentMessage,
  presentMessages,
  presentNewMessages,
  presentReports,
} from "./present.ts";
export { conversationEvent } from "./events.ts";
export { lockPositions, type Positions } from "./positions.ts";
export { removeFromChannelTx } from "./membership.ts";
export { type ChatDeps, inTransaction, type UnitOfWork } from "./unit_of_work.ts";
export { createChatDeps, onlineFromPresence } from "./deps.ts";
export {
  PRESENCE_FIELD_TTL_MS,
  PRESENCE_KEY_TTL_MS,
  presenceKey,
  presenceOf,
  type PresenceRecord,
  type PresenceStatus,
  readPresenceRecord,
  writeInstancePresence,
} from "./presence_record.ts";
