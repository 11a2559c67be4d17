-- Validated on its own (a scan that blocks no writes).
alter table audit_events validate constraint audit_events_actor_check;
