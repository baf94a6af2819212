-- Search: the PostgreSQL index (full text for ranking, trigrams for partial words and substrings
-- of any script), kept by the search service from the message.* and file.uploaded events. It is
-- a projection: `deno task search:reindex` rebuilds it from messages and files at any time.
create extension if not exists pg_trgm;

create table search_messages (
  message_id        uuid primary key,
  workspace_id      uuid not null,
  conversation_id   uuid not null,
  conversation_kind text not null check (conversation_kind in ('channel', 'dm')),
  user_id           uuid not null,
  parent_id         uuid,
  content           text not null,
  has_file          boolean not null default false,
  created_at        timestamptz not null,
  -- The conversation position of the event applied last: an older event never overwrites a newer
  -- one, and a deletion is kept (deleted) so a late edit cannot bring the message back.
  version           bigint not null,
  deleted           boolean not null default false,
  tsv               tsvector generated always as (to_tsvector('simple', content)) stored
);
create index search_messages_tsv_idx on search_messages using gin (tsv);
create index search_messages_trgm_idx on search_messages using gin (content gin_trgm_ops);
create index search_messages_conv_idx on search_messages (conversation_id, created_at desc);

create table search_files (
  file_id         uuid primary key,
  workspace_id    uuid not null,
  conversation_id uuid not null,
  uploader_id     uuid not null,
  filename        text not null,
  content_type    text not null,
  size_bytes      bigint not null,
  created_at      timestamptz not null,
  version         integer not null
);
create index search_files_trgm_idx on search_files using gin (filename gin_trgm_ops);
create index search_files_conv_idx on search_files (conversation_id, created_at desc);
