-- The event stream the realtime gateway delivers and resumes from: every outbox row gets a
-- position in one total order, assigned after commit by the relay (one at a time, under its
-- advisory lock), so positions follow commit order across all conversations and never move.
-- A client's cursor is (epoch, position): constant size however many conversations it is in.
alter table outbox add column position bigint;
-- The user an event also goes to when they are not (or no longer) a member: whoever joined or
-- left a channel, whose read marker moved.
alter table outbox add column recipient_id uuid;
create unique index outbox_position_key on outbox (position) where position is not null;
create index outbox_unpositioned_idx on outbox (id) where position is null;
create index outbox_aggregate_position_idx on outbox (aggregate_id, position)
  where position is not null;
create index outbox_recipient_position_idx on outbox (recipient_id, position)
  where recipient_id is not null;

-- epoch changes when the stream's history is lost (a restore, a reset): cursors of another epoch
-- cannot be resumed. head: the newest position. pruned_through: positions at or below it were
-- deleted with their outbox rows (past the retention), so cursors below it cannot be resumed.
create table event_stream (
  singleton      boolean primary key default true check (singleton),
  epoch          uuid not null default gen_random_uuid(),
  head           bigint not null default 0,
  pruned_through bigint not null default 0
);
insert into event_stream default values;
