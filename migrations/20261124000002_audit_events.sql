-- The audit log: every decision, by the system at submission or by a
-- moderator, and every login, settings and account change. Append-only.

create table audit_events (
    id            bigint generated always as identity primary key,
    at            timestamptz not null default now(),
    -- 'system' (the workflow at submission) or 'moderator'
    actor         text not null constraint audit_events_actor_check
                  check (actor in ('system', 'moderator')),
    moderator_id  bigint,
    -- e.g. comment.submitted, comment.status_changed, comment.edited,
    -- auth.login, auth.logout, settings.changed, moderator.created, ...
    action        text not null,
    comment_id    bigint references comments (id),
    old_status    text,
    new_status    text,
    reason        text,
    -- never emails, IPs or tokens in clear
    details       jsonb not null default '{}'::jsonb
);

create index audit_events_comment_idx on audit_events (comment_id, id desc) where comment_id is not null;
create index audit_events_moderator_idx on audit_events (moderator_id, id desc) where moderator_id is not null;

create function audit_events_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_events is append-only';
end;
$$;

create trigger audit_events_no_update before update or delete on audit_events
    for each row execute function audit_events_append_only();
