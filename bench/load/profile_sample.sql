-- One sample of what majlis's backends are doing, for the profile of the
-- load benchmark (bench/load/profile.sh runs it with \watch every 50 ms,
-- connected to the `postgres` database so that its own statements stay out
-- of the bench database's counters). One row per majlis backend plus one
-- `tick` row per sample (so that a sample with no backend still counts).
-- Columns: time, pid, state, wait event type, wait event, and, when the
-- backend waits for a heavyweight lock, the lock's type, mode and what it
-- is on (a relation's oid, resolved later in the bench database, or the
-- catalog of an object lock: pg_database is the NOTIFY queue's lock), then
-- the start of its statement.
select to_char(clock_timestamp(), 'HH24:MI:SS.MS') as ts, 0 as pid, 'tick' as state,
       '-', '-', '-', '-', '-', '-'
union all
select to_char(clock_timestamp(), 'HH24:MI:SS.MS'),
       a.pid,
       coalesce(a.state, '-'),
       coalesce(a.wait_event_type, '-'),
       coalesce(a.wait_event, '-'),
       coalesce(l.locktype, '-'),
       coalesce(l.mode, '-'),
       coalesce(case when l.locktype = 'object' then l.classid::regclass::text
                     else l.relation::text end, '-'),
       left(regexp_replace(coalesce(a.query, ''), '\s+', ' ', 'g'), 100)
from pg_stat_activity a
left join lateral (
    select locktype, mode, relation, classid
    from pg_locks
    where pid = a.pid and not granted
    limit 1
) l on true
where a.datname = 'majlis' and a.application_name = 'majlis' and a.backend_type = 'client backend'
\watch 0.05
