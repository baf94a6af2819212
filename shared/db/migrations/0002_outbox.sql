-- Transactional outbox: a domain write inserts its event here in the same transaction; the relay
-- publishes unpublished rows in id order and stamps published_at. At least once, never lost.
create table outbox (
  id           bigint generated always as identity primary key,
  event_id     uuid not null unique,
  topic        text not null,
  aggregate_id text not null,
  payload      jsonb not null,
  created_at   timestamptz not null default now(),
  published_at timestamptz
);
create index outbox_unpublished_idx on outbox (id) where published_at is null;

-- Consumers record the events they applied, in the same transaction as the effect, so a
-- redelivered event is recognised and skipped.
create table processed_events (
  consumer     text not null,
  event_id     uuid not null,
  processed_at timestamptz not null default now(),
  primary key (consumer, event_id)
);
