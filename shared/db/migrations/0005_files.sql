-- Files: the relational half of an upload. Authorization (which conversation a file belongs to,
-- who uploaded it), its lifecycle (awaiting upload, scan pending, clean, infected, rejected) and
-- its attachment to a message live here, so that attaching commits in the send's transaction and
-- the file.uploaded event in the confirm's (the outbox). The seed's descriptive document (versions,
-- scan, image metadata, S3 location) is kept in MongoDB's `files` collection beside it.
create table files (
  id              uuid primary key,
  workspace_id    uuid not null references workspaces (id) on delete cascade,
  channel_id      uuid references channels (id) on delete cascade,
  dm_id           uuid references direct_messages (id) on delete cascade,
  uploader_id     uuid not null references users (id),
  blob_key        text not null unique,
  -- The version downloads serve: the newest one that was scanned clean (null until one is).
  current_version integer,
  -- Set once, by the send that attaches it (in the send's transaction).
  message_id      uuid references messages (id) on delete set null,
  message_pos     integer,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  -- Its message was deleted, or it expired unconfirmed: never downloadable again.
  deleted_at      timestamptz,
  check ((channel_id is null) <> (dm_id is null))
);
create index files_message_idx on files (message_id) where message_id is not null;
create index files_channel_idx on files (channel_id, created_at desc) where channel_id is not null;
create index files_dm_idx on files (dm_id, created_at desc) where dm_id is not null;
create index files_deleted_idx on files (deleted_at) where deleted_at is not null;

create table file_versions (
  file_id           uuid not null references files (id) on delete cascade,
  n                 integer not null check (n >= 1),
  filename          text not null check (length(filename) between 1 and 255),
  content_type      text not null,
  size_bytes        bigint not null check (size_bytes >= 0),
  status            text not null
    check (status in ('awaiting_upload', 'pending', 'clean', 'infected', 'rejected')),
  -- The object store's version of the file's key holding these bytes (known once confirmed).
  blob_version_id   text,
  sha256            text,
  scan_signature    text,
  scanned_at        timestamptz,
  width             integer,
  height            integer,
  -- A preview image (JPEG, at most 360 px), stored under the file's thumbnail key.
  thumb_version_id  text,
  uploaded_by       uuid not null references users (id),
  created_at        timestamptz not null default now(),
  upload_expires_at timestamptz not null,
  confirmed_at      timestamptz,
  primary key (file_id, n)
);
create index file_versions_awaiting_idx on file_versions (upload_expires_at)
  where status = 'awaiting_upload';
create index file_versions_pending_idx on file_versions (confirmed_at) where status = 'pending';

-- A message may be only its files: live content is 0 to 40,000 characters (the actions require
-- content unless files are attached).
alter table messages drop constraint messages_content_check;
alter table messages add constraint messages_content_check check (
  (deleted_at is null and length(content) <= 40000) or
  (deleted_at is not null and content = '')
);
