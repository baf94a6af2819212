import { type Principal, revokeSessionsInKv } from "@colink/auth";
import {
  type CreateModerationAction,
  makeEvent,
  type ModerationActionRecord,
} from "@colink/contracts";
import {
  inTransaction,
  type ModerationActionRow,
  removeFromChannelTx,
  sqlStores,
  type UnitOfWork,
} from "@colink/conversations";
import { badRequest, conflict, forbidden, notFound } from "@colink/http";
import type { AdminDeps } from "./deps.ts";
import { requireRealmPermission } from "./authority.ts";
import { decodeKeyset, nextPage } from "./cursor.ts";

/**
 * Moderation actions (shared/API.md, "Moderation"): check, then do, in one transaction with the
 * audit entry and the `moderation.action` event (to Kafka and to the target's sockets):
 *
 * - warn: the event on the target's sockets, nothing else;
 * - mute: their sends are 403 `muted` in the channel, the workspace or everywhere, until it
 *   expires or is undone (decided at send time, see messaging's checkMessage);
 * - kick: out of the channel, or of the workspace and all its channels (`channel.member_left`
 *   each, so their sockets stop following at once);
 * - ban: the account is deactivated and its browser sessions revoked in the transaction; after
 *   commit every instance forgets its principal (tokens refused within moments), the realtime
 *   instances close its sockets when the event reaches them, and Keycloak disables the user
 *   when admin credentials are configured.
 */
export async function takeModerationAction(
  d: AdminDeps,
  p: Principal,
  input: CreateModerationAction,
): Promise<ModerationActionRecord> {
  requireRealmPermission(p, "moderation.act");
  if (input.target_user_id === p.userId) {
    throw badRequest("cannot_moderate_self", "Moderators do not act on themselves");
  }
  const db = d.chat.sql;
  const [target] = await db.query<{ id: string; realm_roles: string[]; keycloak_id: string }>(
    "select id, realm_roles, keycloak_id from users where id = $1",
    [input.target_user_id],
  );
  if (!target) throw notFound("user_not_found", "No such user");
  // Moderators do not moderate the people who appoint them; realm admins act on anyone.
  if (!p.realmRoles.includes("admin") && target.realm_roles.includes("admin")) {
    throw forbidden("target_is_admin", "Only an admin acts on an admin");
  }
  const channel = input.channel_id
    ? (await sqlStores(db).channels.get(input.channel_id))
    : undefined;
  if (input.channel_id && !channel) throw notFound("channel_not_found", "No such channel");
  if (input.workspace_id && !(await sqlStores(db).workspaces.get(input.workspace_id))) {
    throw notFound("workspace_not_found", "No such workspace");
  }
  const now = d.chat.now();
  const expiresAt = input.duration_seconds
    ? new Date(now.getTime() + input.duration_seconds * 1000)
    : null;
  const row = await inTransaction(d.chat, async (u) => {
    const action = await u.s.moderation.insert({
      id: crypto.randomUUID(),
      action_type: input.action_type,
      target_user_id: target.id,
      actor_id: p.userId,
      channel_id: input.channel_id ?? null,
      workspace_id: input.workspace_id ?? null,
      reason: input.reason,
      created_at: now,
      expires_at: expiresAt,
    });
    const effects: Record<string, unknown> = {};
    if (action.action_type === "kick") {
      effects.removed_from_channels = await kick(d, u, action, channel);
    }
    if (action.action_type === "ban") {
      await u.db.query(
        `update users set deactivated_at = $2, deactivation_reason = 'banned', updated_at = $2
          where id = $1`,
        [target.id, now],
      );
      const revoked = await u.db.query<{ session_id: string }>(
        `update sessions set revoked_at = $2 where user_id = $1 and revoked_at is null
         returning session_id`,
        [target.id, now],
      );
      effects.sessions_revoked = revoked.length;
      // Browser sessions live in KV: end them there too, so the cookie signs nobody in again
      // (also after the ban is lifted: they sign in anew).
      u.afterCommit(() => revokeSessionsInKv(d.kv, revoked.map((r) => r.session_id)));
    }
    await record(u, p.userId, action, `moderation.${action.action_type}`, effects);
    if (action.action_type === "ban") {
      u.afterCommit(() => afterBanChange(d, target.id, target.keycloak_id, false));
    }
    return action;
  });
  return present(row, now);
}

/**
 * Undoes a mute or a ban (warnings and kicks are history: 409 not_undoable). Lifting a ban
 * reactivates the account unless another ban still holds it.
 */
export async function undoModerationAction(
  d: AdminDeps,
  p: Principal,
  id: string,
): Promise<ModerationActionRecord> {
  requireRealmPermission(p, "moderation.act");
  const now = d.chat.now();
  const row = await inTransaction(d.chat, async (u) => {
    const a = await u.s.moderation.getForUpdate(id);
    if (!a) throw notFound("moderation_action_not_found", "No such moderation action");
    if (a.action_type !== "mute" && a.action_type !== "ban") {
      throw conflict("not_undoable", `A ${a.action_type} cannot be undone`);
    }
    if (a.revoked_at || a.lifted_at || (a.expires_at && a.expires_at <= now)) {
      throw conflict("not_active", "It is not in force any more");
    }
    const revoked = (await u.s.moderation.revoke(id, p.userId, now))!;
    await lift(d, u, revoked, now, p.userId, "revoked");
    return revoked;
  });
  return present(row, now);
}

/** Lifts bans whose time is up (mutes end by themselves: sends compare their expiry). */
export async function liftExpiredBans(d: AdminDeps): Promise<number> {
  const now = d.chat.now();
  const due = await sqlStores(d.chat.sql).moderation.expiredBans(now, 100);
  for (const ban of due) {
    await inTransaction(d.chat, async (u) => {
      const a = await u.s.moderation.getForUpdate(ban.id);
      // Undone or lifted by another instance's sweep meanwhile: nothing to do.
      if (!a || a.revoked_at || a.lifted_at) return;
      await u.s.moderation.markLifted(a.id, now);
      await lift(d, u, a, now, null, "expired");
    });
  }
  return due.length;
}

export async function listModerationActions(
  d: AdminDeps,
  p: Principal,
  q: { target_user_id?: string; active?: "true" | "false"; limit: number; cursor?: string },
): Promise<{ actions: ModerationActionRecord[]; next_cursor: string | null }> {
  requireRealmPermission(p, "moderation.act");
  const now = d.chat.now();
  const rows = await sqlStores(d.chat.sql).moderation.list({
    targetUserId: q.target_user_id,
    active: q.active === undefined ? undefined : q.active === "true",
    now,
    before: decodeKeyset(q.cursor),
    limit: q.limit + 1,
  });
  const { page, next_cursor } = nextPage(rows, q.limit);
  return { actions: page.map((r) => present(r, now)), next_cursor };
}

/** Kick's effect: out of the channel, or of the workspace and every channel in it. */
async function kick(
  d: AdminDeps,
  u: UnitOfWork,
  a: ModerationActionRow,
  channel: { id: string; workspace_id: string } | undefined,
): Promise<string[]> {
  if (channel) {
    if (!(await removeFromChannelTx(d.chat, u, channel, a.target_user_id, a.actor_id))) {
      throw conflict("not_a_member", "They are not a member of this channel");
    }
    return [channel.id];
  }
  const channels = await u.db.query<{ id: string; workspace_id: string }>(
    `select c.id, c.workspace_id from channel_members m join channels c on c.id = m.channel_id
      where m.user_id = $1 and c.workspace_id = $2 order by c.id`,
    [a.target_user_id, a.workspace_id],
  );
  for (const c of channels) {
    await removeFromChannelTx(d.chat, u, c, a.target_user_id, a.actor_id);
  }
  if (!(await u.s.workspaces.removeMember(a.workspace_id!, a.target_user_id))) {
    throw conflict("not_a_member", "They are not a member of this workspace");
  }
  return channels.map((c) => c.id);
}

/** Ends a mute or ban (undone or expired): the account comes back unless another ban holds. */
async function lift(
  d: AdminDeps,
  u: UnitOfWork,
  a: ModerationActionRow,
  now: Date,
  by: string | null,
  how: "revoked" | "expired",
): Promise<void> {
  let reactivated = false;
  if (
    a.action_type === "ban" && !(await u.s.moderation.otherActiveBan(a.target_user_id, a.id, now))
  ) {
    const rows = await u.db.query<{ keycloak_id: string }>(
      `update users set deactivated_at = null, deactivation_reason = null, updated_at = $2
        where id = $1 and deactivation_reason = 'banned' returning keycloak_id`,
      [a.target_user_id, now],
    );
    reactivated = rows.length > 0;
    if (reactivated) {
      u.afterCommit(() => afterBanChange(d, a.target_user_id, rows[0]!.keycloak_id, true));
    }
  }
  const verb = a.action_type === "ban" ? "unban" : "unmute";
  await record(u, by, a, how === "expired" ? `moderation.${verb}.expired` : `moderation.${verb}`, {
    lifted: how,
    reactivated,
  });
}

/** The audit entry (same transaction) and the `moderation.action` event for one action. */
async function record(
  u: UnitOfWork,
  actor: string | null,
  a: ModerationActionRow,
  action: string,
  effects: Record<string, unknown>,
): Promise<void> {
  const lifted = effects.lifted as "revoked" | "expired" | undefined;
  await u.s.audit.append({
    user_id: actor,
    action,
    resource_type: "user",
    resource_id: a.target_user_id,
    metadata: {
      action_id: a.id,
      action_type: a.action_type,
      reason: a.reason,
      channel_id: a.channel_id,
      workspace_id: a.workspace_id,
      expires_at: a.expires_at?.toISOString() ?? null,
      ...effects,
    },
  });
  u.emit(makeEvent(
    "moderation.action",
    a.target_user_id,
    {
      action_id: a.id,
      moderator_id: actor ?? a.actor_id,
      action_type: a.action_type,
      target_user_id: a.target_user_id,
      reason: a.reason,
      timestamp: new Date().toISOString(),
      channel_id: a.channel_id,
      workspace_id: a.workspace_id,
      expires_at: a.expires_at?.toISOString() ?? null,
      ...(lifted ? { lifted } : {}),
    },
    undefined,
    a.target_user_id,
  ));
}

/**
 * After a ban or its lifting committed: every instance forgets the cached principal, then the
 * identity provider follows. A failure there is logged and audited; CoLink's own refusal holds
 * either way.
 */
async function afterBanChange(
  d: AdminDeps,
  userId: string,
  sub: string,
  enabled: boolean,
): Promise<void> {
  await d.principals.invalidate(userId);
  if (!d.identity) return;
  try {
    await d.identity.setEnabled(sub, enabled);
  } catch (e) {
    d.logger.error("moderation: Keycloak did not take the change", { err: e, user_id: userId });
    await sqlStores(d.chat.sql).audit.append({
      user_id: null,
      action: enabled ? "idp.enable_failed" : "idp.disable_failed",
      resource_type: "user",
      resource_id: userId,
      metadata: { error: String(e) },
    }).catch(() => {});
  }
}

function present(r: ModerationActionRow, now: Date): ModerationActionRecord {
  const active = (r.action_type === "mute" || r.action_type === "ban") && !r.revoked_at &&
    !r.lifted_at && (!r.expires_at || r.expires_at > now);
  return {
    id: r.id,
    action_type: r.action_type,
    target_user_id: r.target_user_id,
    channel_id: r.channel_id,
    workspace_id: r.workspace_id,
    reason: r.reason,
    expires_at: r.expires_at?.toISOString() ?? null,
    created_at: r.created_at.toISOString(),
    actor_id: r.actor_id,
    revoked_at: r.revoked_at?.toISOString() ?? null,
    revoked_by: r.revoked_by,
    active,
  };
}
