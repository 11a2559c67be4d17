-- no-transaction
-- The webhook worker's read of the audit log: comment events after its
-- cursor, in transaction order.
create index concurrently audit_events_xact_idx on audit_events (xact, id)
    where xact is not null and comment_id is not null;
