import { type JsonCache, jsonCache, type KeyValue, type SqlExecutor } from "@colink/platform";
import { sqlStores } from "./stores/mod.ts";
import type { ConversationKind, ConversationRef } from "./stores/types.ts";

/** What access checks need to know about a conversation; cached, so JSON-safe. */
export interface ConversationMeta {
  kind: ConversationKind;
  id: string;
  workspace_id: string;
  /** DMs are always private. */
  is_private: boolean;
  archived: boolean;
  /** Channels: the name; DMs: "". */
  name: string;
  /** DMs: who is in it (a DM's people never change). Channels: []. */
  participant_ids: string[];
}

/**
 * Conversation metadata, read through a cache (the seed: channel metadata for 1 minute).
 * Actions that change a channel call `forget` after their transaction commits; membership is
 * never cached, so a removal takes effect at once.
 */
export interface ConversationDirectory {
  get(ref: ConversationRef): Promise<ConversationMeta | undefined>;
  forget(ref: ConversationRef): Promise<void>;
}

export const CHANNEL_METADATA_TTL_MS = 60_000;

class Missing extends Error {}

export function conversationDirectory(
  db: SqlExecutor,
  kv: KeyValue,
  o: { ttlMs?: number } = {},
): ConversationDirectory {
  const cache: JsonCache<ConversationMeta> = jsonCache(kv, {
    prefix: "conv:",
    ttlMs: o.ttlMs ?? CHANNEL_METADATA_TTL_MS,
  });
  const key = (ref: ConversationRef) => `${ref.kind}:${ref.id}`;
  async function load(ref: ConversationRef): Promise<ConversationMeta> {
    const s = sqlStores(db);
    if (ref.kind === "channel") {
      const c = await s.channels.get(ref.id);
      if (!c) throw new Missing();
      return {
        kind: "channel",
        id: c.id,
        workspace_id: c.workspace_id,
        is_private: c.is_private,
        archived: c.archived_at !== null,
        name: c.name,
        participant_ids: [],
      };
    }
    const d = await s.dms.get(ref.id);
    if (!d) throw new Missing();
    return {
      kind: "dm",
      id: d.id,
      workspace_id: d.workspace_id,
      is_private: true,
      archived: false,
      name: "",
      participant_ids: d.participant_ids,
    };
  }
  return {
    async get(ref) {
      try {
        // Misses are not cached: ids are random, and a cache of misses is a memory leak.
        return await cache.get(key(ref), () => load(ref));
      } catch (e) {
        if (e instanceof Missing) return undefined;
        throw e;
      }
    },
    forget: (ref) => cache.forget(key(ref)),
  };
}
