-- Moderation: actions against users (warn, mute, kick, ban), reports of messages, locked threads,
-- and an audit log that nobody can rewrite.

create table moderation_actions (
  id             uuid primary key,
  action_type    text not null check (action_type in ('warn', 'mute', 'kick', 'ban')),
  target_user_id uuid not null references users (id),
  actor_id       uuid not null references users (id),
  -- Where it applies: a channel, a workspace, or (both null) everywhere.
  channel_id     uuid references channels (id) on delete cascade,
  workspace_id   uuid references workspaces (id) on delete cascade,
  reason         text not null check (length(reason) between 1 and 1000),
  created_at     timestamptz not null default now(),
  -- Mutes and bans only: lifted on its own at this time (null: until undone).
  expires_at     timestamptz,
  revoked_at     timestamptz,
  revoked_by     uuid references users (id),
  -- Set once the expiry sweep has lifted an expired ban (its account reactivated).
  lifted_at      timestamptz,
  check (channel_id is null or workspace_id is null),
  check (expires_at is null or action_type in ('mute', 'ban'))
);
create index moderation_actions_target_idx on moderation_actions (target_user_id, created_at desc);
create index moderation_actions_created_idx on moderation_actions (created_at desc, id desc);
-- Sends ask "is this author muted here?": only mutes still in force matter.
create index moderation_actions_mutes_idx on moderation_actions (target_user_id)
  where action_type = 'mute' and revoked_at is null;
create index moderation_actions_expiring_idx on moderation_actions (expires_at)
  where action_type = 'ban' and revoked_at is null and lifted_at is null and expires_at is not null;

-- Why an account is deactivated ('banned' by moderation, else an administrator's deactivation).
alter table users add column deactivation_reason text;

create table message_reports (
  id              uuid primary key default gen_random_uuid(),
  message_id      uuid not null references messages (id) on delete cascade,
  reporter_id     uuid not null references users (id),
  reason          text not null check (length(reason) between 1 and 1000),
  status          text not null default 'open' check (status in ('open', 'resolved', 'dismissed')),
  created_at      timestamptz not null default now(),
  resolved_at     timestamptz,
  resolved_by     uuid references users (id),
  resolution_note text,
  unique (message_id, reporter_id)
);
create index message_reports_queue_idx on message_reports (status, created_at, id);

-- A locked thread takes no new replies (moderators lock it on its first message).
alter table messages add column thread_locked_at timestamptz;

-- The audit log is append-only for everyone, superusers included: no UPDATE, DELETE or TRUNCATE
-- gets through, whatever role the services connect as. The actor is kept as a plain id so that the
-- entry outlives the account (a foreign key with ON DELETE SET NULL would have to rewrite it).
alter table audit_log drop constraint if exists audit_log_user_id_fkey;
create index audit_log_resource_idx on audit_log (resource_type, created_at desc);

create function audit_log_is_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only: % is not allowed', tg_op
    using errcode = 'insufficient_privilege';
end;
$$;
create trigger audit_log_no_update before update or delete on audit_log
  for each row execute function audit_log_is_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function audit_log_is_append_only();
