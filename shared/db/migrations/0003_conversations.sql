-- Conversations: what channels, DMs, messages, threads, reactions and read state need beyond the
-- seed's tables.

-- A soft-deleted message keeps its row as a tombstone with its content removed.
alter table messages drop constraint messages_content_check;
alter table messages add constraint messages_content_check check (
  (deleted_at is null and length(content) between 1 and 40000) or
  (deleted_at is not null and content = '')
);
-- The user ids a message mentions (@username, and @channel/@here expanded at send or edit).
alter table messages add column mentions uuid[] not null default '{}';

-- Unread counts: top-level, live messages after a read marker, without reading the heap.
create index messages_channel_unread_idx on messages (channel_id, seq) include (user_id)
  where channel_id is not null and parent_id is null and deleted_at is null;
create index messages_dm_unread_idx on messages (dm_id, seq) include (user_id)
  where dm_id is not null and parent_id is null and deleted_at is null;

-- New members of the workspace join its default channels (the workspace's `general`).
alter table channels add column is_default boolean not null default false;
alter table channels add column updated_at timestamptz not null default now();

create index direct_messages_workspace_idx on direct_messages (workspace_id);

-- Idempotent sends. The key row is inserted in the same transaction as the message: a
-- concurrent retry with the same key blocks on the primary key until the first commits (then
-- replays its response) or rolls back (then goes ahead itself), so two rows can never exist.
-- A key older than 24 hours is forgotten (overwritten on reuse, pruned in the background).
drop table idempotency_keys;
create table idempotency_keys (
  user_id      uuid not null references users (id) on delete cascade,
  key          text not null check (length(key) between 1 and 255),
  request_hash text not null,
  message_id   uuid,
  status_code  integer not null,
  response     jsonb not null,
  created_at   timestamptz not null default now(),
  primary key (user_id, key)
);
create index idempotency_keys_created_idx on idempotency_keys (created_at);
