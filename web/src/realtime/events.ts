import { signal } from "@preact/signals";
import type { Message, UserProfile } from "../api/endpoints.ts";
import { applyMessages, applyReactionEvent, convOf } from "../state/messages.ts";
import { me, myProfile } from "../state/session.ts";
import { applyModerationEvent, isModerationEvent } from "../state/moderation.ts";
import { setPresence } from "../state/presence.ts";
import { ensureUsers, rememberUsers } from "../state/users.ts";
import {
  bumpUnread,
  channels,
  current,
  dms,
  loadWorkspaces,
  refreshChannels,
  refreshDms,
  refreshSidebar,
  sameConv,
  selectWorkspace,
  workspace,
} from "../state/workspace.ts";
import { sawDurableEvent } from "./status.ts";

/** Who is typing where: conversation id → user id → until when. */
export const typing = signal<Record<string, Record<string, number>>>({});
const TYPING_SHOWN_MS = 6_000;

/** `data` of message.* is the message (API.md); the bus payload wraps it as `message`. */
function messageOf(data: unknown): Message | undefined {
  const d = data as Record<string, unknown> | null;
  if (!d || typeof d !== "object") return undefined;
  const m = (d.message && typeof d.message === "object" ? d.message : d) as Message;
  return typeof m.id === "string" && typeof m.content === "string" ? m : undefined;
}

/** Created messages already counted, so a replayed or repeated event is not counted twice. */
const counted = new Set<string>();

const debounced = (f: () => Promise<void>, ms: number) => {
  let t: ReturnType<typeof setTimeout> | undefined;
  return () => {
    clearTimeout(t);
    t = setTimeout(() => void f().catch(() => {}), ms);
  };
};
const refreshChannelsSoon = debounced(refreshChannels, 200);
const refreshDmsSoon = debounced(refreshDms, 200);
const refreshBadgesSoon = debounced(
  () => Promise.all([refreshChannels(), refreshDms()]).then(() => {}),
  500,
);

function known(conv: { kind: string; id: string }): boolean {
  return conv.kind === "channel"
    ? channels.value.some((c) => c.id === conv.id)
    : dms.value.some((d) => d.id === conv.id);
}

/** Removed from a channel or a workspace: what we may see is reloaded (another workspace, if need be). */
async function afterKick(): Promise<void> {
  const list = await loadWorkspaces();
  const w = workspace.value;
  if (!w || list.some((x) => x.id === w.id)) return await refreshSidebar();
  if (list[0]) return await selectWorkspace(list[0]);
  workspace.value = null;
  channels.value = [];
  dms.value = [];
  current.value = null;
}

/** Applies one server event to the state. Every branch is safe to run twice for one event. */
export function applyServerEvent(event: string, data: unknown, durable: boolean): void {
  const d = (data ?? {}) as Record<string, unknown>;
  if (durable) {
    sawDurableEvent(
      event.startsWith("message.") ? messageOf(data)?.id : (d.message_id as string | undefined),
    );
  }
  switch (event) {
    case "message.created":
    case "message.updated":
    case "message.deleted": {
      const m = messageOf(data);
      if (!m) return;
      applyMessages([m]);
      const conv = convOf(m);
      if (!known(conv)) {
        if (conv.kind === "dm") refreshDmsSoon();
        else refreshChannelsSoon();
        return;
      }
      if (event === "message.created" && !counted.has(m.id)) {
        counted.add(m.id);
        const mine = m.user_id === me.value?.id;
        const looking = sameConv(conv, current.value) && document.visibilityState === "visible";
        const mentionsMe = !!me.value && m.mentions.includes(me.value.id);
        // Replies do not make a conversation unread (they are followed in their thread), but
        // a mention in one does count.
        if (!mine && !looking && (!m.parent_id || mentionsMe)) {
          bumpUnread(conv, { unread: !m.parent_id, mention: mentionsMe, at: m.created_at });
        }
      } else if (event !== "message.created") {
        // An edit can add or drop a mention, a deletion an unread: the server counts.
        if (!sameConv(conv, current.value)) refreshBadgesSoon();
      }
      return;
    }
    case "reaction.added":
    case "reaction.removed":
      if (
        typeof d.message_id === "string" && typeof d.emoji === "string" &&
        typeof d.user_id === "string"
      ) {
        applyReactionEvent(d.message_id, d.emoji, d.user_id, event === "reaction.added");
      }
      return;
    case "channel.created":
    case "channel.updated":
    case "channel.archived":
    case "channel.member_joined":
    case "channel.member_left":
      refreshChannelsSoon();
      if (
        event === "channel.member_left" && d.user_id === me.value?.id &&
        current.value?.kind === "channel" && current.value.id === d.channel_id
      ) {
        // Removed from the channel on screen: its history is no longer ours to show.
        refreshChannelsSoon();
      }
      return;
    case "dm.created":
      refreshDmsSoon();
      return;
    case "read.updated":
      // Another tab or device read something: the server has the counts.
      refreshBadgesSoon();
      return;
    case "user.updated": {
      const u = (d.user ?? d) as UserProfile;
      if (typeof u.id === "string" && typeof u.username === "string") {
        rememberUsers([u]);
        if (u.id === me.value?.id) myProfile.value = u;
      } else if (typeof d.user_id === "string") ensureUsers([d.user_id]);
      return;
    }
    case "presence.updated": {
      const uid = d.user_id, status = d.status;
      if (
        typeof uid === "string" &&
        (status === "online" || status === "away" || status === "offline")
      ) {
        setPresence(uid, status);
      }
      return;
    }
    case "moderation.action":
      if (isModerationEvent(data)) {
        applyModerationEvent(data, () => void afterKick().catch(() => {}));
      }
      return;
    case "typing": {
      const cid = d.channel_id as string | undefined, uid = d.user_id as string | undefined;
      if (!cid || !uid || uid === me.value?.id) return;
      ensureUsers([uid]);
      typing.value = {
        ...typing.value,
        [cid]: { ...typing.value[cid], [uid]: Date.now() + TYPING_SHOWN_MS },
      };
      setTimeout(() => {
        const now = Date.now();
        const here = Object.fromEntries(
          Object.entries(typing.value[cid] ?? {}).filter(([, until]) => until > now),
        );
        typing.value = { ...typing.value, [cid]: here };
      }, TYPING_SHOWN_MS + 50);
      return;
    }
    default:
      return;
  }
}

export function typingIn(convId: string): string[] {
  const now = Date.now();
  return Object.entries(typing.value[convId] ?? {}).filter(([, until]) => until > now).map(([u]) =>
    u
  );
}
