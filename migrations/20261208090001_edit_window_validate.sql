-- The audit actor check of the edit window, validated on its own: a
-- validation scans the table under a lock that lets reads and writes go on,
-- but in the file that added the constraint it would scan while that
-- file's lock (which blocks them) is held.
alter table audit_events validate constraint audit_events_actor_check;
