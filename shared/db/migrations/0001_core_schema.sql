-- The seed's PostgreSQL data model (users, sessions, workspaces, channels, DMs, messages,
-- threads, reactions, audit), with the constraints a real deployment needs.

create table users (
  id            uuid primary key default gen_random_uuid(),
  keycloak_id   text not null unique,
  email         text,
  username      text not null,
  display_name  text not null,
  avatar_url    text,
  realm_roles   text[] not null default '{}',
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  deactivated_at timestamptz
);
create unique index users_username_key on users (lower(username));
create index users_email_idx on users (lower(email));

create table user_status (
  user_id       uuid primary key references users (id) on delete cascade,
  status_text   text not null default '' check (length(status_text) <= 140),
  status_emoji  text not null default '' check (length(status_emoji) <= 64),
  status_expiry timestamptz,
  updated_at    timestamptz not null default now()
);

-- Browser sessions of the gateway (BFF). Only a hash of the refresh token is kept.
create table sessions (
  session_id         text primary key,
  user_id            uuid not null references users (id) on delete cascade,
  refresh_token_hash text not null,
  expires_at         timestamptz not null,
  created_at         timestamptz not null default now(),
  last_seen_at       timestamptz not null default now(),
  revoked_at         timestamptz,
  user_agent         text
);
create index sessions_user_idx on sessions (user_id);

create table workspaces (
  id         uuid primary key default gen_random_uuid(),
  name       text not null check (length(name) between 1 and 80),
  slug       text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now()
);

create table workspace_members (
  workspace_id uuid not null references workspaces (id) on delete cascade,
  user_id      uuid not null references users (id) on delete cascade,
  role         text not null default 'member' check (role in ('owner', 'admin', 'member', 'guest')),
  joined_at    timestamptz not null default now(),
  primary key (workspace_id, user_id)
);
create index workspace_members_user_idx on workspace_members (user_id);

-- last_seq: the newest message position in this conversation; bumped under the row lock when a
-- message is written, so positions are gap-free and assigned in commit order per conversation.
create table channels (
  id           uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  name         text not null check (name ~ '^[a-z0-9][a-z0-9_-]{0,79}$'),
  description  text not null default '' check (length(description) <= 250),
  is_private   boolean not null default false,
  created_by   uuid references users (id) on delete set null,
  created_at   timestamptz not null default now(),
  archived_at  timestamptz,
  last_seq     bigint not null default 0
);
create unique index channels_workspace_name_key on channels (workspace_id, name);

create table channel_members (
  channel_id    uuid not null references channels (id) on delete cascade,
  user_id       uuid not null references users (id) on delete cascade,
  role          text not null default 'member' check (role in ('owner', 'admin', 'member')),
  joined_at     timestamptz not null default now(),
  last_read_seq bigint not null default 0,
  primary key (channel_id, user_id)
);
create index channel_members_user_idx on channel_members (user_id);

-- participant_key: the sorted participant ids joined by ',', so the same set of people always
-- resolves to the same DM, whoever asks.
create table direct_messages (
  id              uuid primary key default gen_random_uuid(),
  workspace_id    uuid not null references workspaces (id) on delete cascade,
  participant_key text not null,
  created_at      timestamptz not null default now(),
  last_seq        bigint not null default 0,
  unique (workspace_id, participant_key)
);

create table dm_participants (
  dm_id         uuid not null references direct_messages (id) on delete cascade,
  user_id       uuid not null references users (id) on delete cascade,
  joined_at     timestamptz not null default now(),
  last_read_seq bigint not null default 0,
  primary key (dm_id, user_id)
);
create index dm_participants_user_idx on dm_participants (user_id);

create table messages (
  id            uuid primary key default gen_random_uuid(),
  channel_id    uuid references channels (id) on delete cascade,
  dm_id         uuid references direct_messages (id) on delete cascade,
  user_id       uuid not null references users (id),
  parent_id     uuid references messages (id) on delete cascade,
  seq           bigint not null,
  content       text not null check (length(content) between 1 and 40000),
  client_msg_id text,
  created_at    timestamptz not null default now(),
  edited_at     timestamptz,
  deleted_at    timestamptz,
  deleted_by    uuid references users (id),
  check ((channel_id is null) <> (dm_id is null))
);
create unique index messages_channel_seq_key on messages (channel_id, seq) where channel_id is not null;
create unique index messages_dm_seq_key on messages (dm_id, seq) where dm_id is not null;
create index messages_parent_idx on messages (parent_id, seq) where parent_id is not null;
create index messages_user_idx on messages (user_id, created_at desc);

create table threads (
  id                uuid primary key default gen_random_uuid(),
  parent_message_id uuid not null unique references messages (id) on delete cascade,
  reply_count       integer not null default 0 check (reply_count >= 0),
  last_reply_at     timestamptz
);

create table reactions (
  id         uuid primary key default gen_random_uuid(),
  message_id uuid not null references messages (id) on delete cascade,
  user_id    uuid not null references users (id) on delete cascade,
  emoji      text not null check (length(emoji) between 1 and 64),
  created_at timestamptz not null default now(),
  unique (message_id, user_id, emoji)
);

create table audit_log (
  id            uuid primary key default gen_random_uuid(),
  user_id       uuid references users (id) on delete set null,
  action        text not null,
  resource_type text not null,
  resource_id   text,
  metadata      jsonb not null default '{}',
  created_at    timestamptz not null default now()
);
create index audit_log_created_idx on audit_log (created_at desc);
create index audit_log_user_idx on audit_log (user_id, created_at desc);
create index audit_log_action_idx on audit_log (action, created_at desc);

-- Replays of a write with the same Idempotency-Key return the stored response.
create table idempotency_keys (
  user_id      uuid not null references users (id) on delete cascade,
  key          text not null check (length(key) between 1 and 255),
  request_hash text not null,
  status_code  integer not null,
  response     jsonb not null,
  created_at   timestamptz not null default now(),
  primary key (user_id, key)
);
