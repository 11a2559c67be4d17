-- Webhooks read the audit log instead of a queue filled by a trigger
-- (issue 18's cost target): a submission's transaction no longer writes a
-- delivery row per webhook. The one worker that holds the webhook lock
-- (any instance) reads the comment events that follow its cursor, sends
-- them, and only then records each delivery (with its outcome, and a
-- next attempt when it failed), in one transaction with the cursor.
--
-- Events are read in the order of the transaction that wrote them
-- (`xact`, then `id`) and only below the oldest transaction still running
-- (`pg_snapshot_xmin`): every transaction below it has ended, so no
-- event can still appear behind the cursor (ids alone would skip a
-- row whose transaction commits after a later id's).
--
-- Rows written before this migration have no `xact`; the trigger this
-- migration drops queued their deliveries. The default is set after the
-- column is added, so existing rows are not rewritten.
alter table audit_events add column xact xid8;
alter table audit_events alter column xact set default pg_current_xact_id();

-- Where the webhook worker is in the log: the last event it consumed.
-- One row; the worker holds an advisory lock while it moves it.
create table webhook_log_cursor (
    one       boolean primary key default true
              constraint webhook_log_cursor_one_check check (one),
    xact      xid8 not null,
    event_id  bigint not null
);

-- From here on: every later transaction's xid is at least this one.
insert into webhook_log_cursor (xact, event_id)
values (pg_snapshot_xmin(pg_current_snapshot()), 0);

-- The previous release's trigger queued a delivery per webhook in the
-- change's transaction; with the log read here, it would send each event
-- twice. (Its function goes in a later contract migration.)
drop trigger audit_events_webhooks on audit_events;
