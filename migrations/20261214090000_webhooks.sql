-- Webhooks (issue 18): admins register endpoints; every change of a
-- comment that the audit log records (a submission, a status change, an
-- edit, an erasure) queues one delivery per matching active webhook, in
-- the transaction that made the change (a trigger on `audit_events`): no
-- event is lost, and none is sent for a change that rolled back. Workers
-- in every instance take due deliveries with `for update skip locked`.

create table webhooks (
    id                  bigint generated always as identity primary key,
    url                 text not null
                        constraint webhooks_url_check check (char_length(url) between 1 and 2000),
    -- Any of comment.created, comment.status_changed, comment.edited,
    -- comment.erased.
    events              text[] not null,
    -- `whsec_` + base64 of the key (Standard Webhooks). Signing needs it
    -- in clear; the API shows it once, when it is made.
    secret              text not null,
    -- Only this site's comments; null: every site.
    site_id             text references sites (id) on delete cascade,
    include_email       boolean not null default false,
    include_ip          boolean not null default false,
    include_user_agent  boolean not null default false,
    active              boolean not null default true,
    created_by          bigint references moderators (id) on delete set null,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now()
);

create trigger webhooks_updated_at before update on webhooks
    for each row execute function majlis_set_updated_at();

create table webhook_deliveries (
    id               bigint generated always as identity primary key,
    -- No foreign key: every queued delivery would take a key-share lock
    -- on its webhook's row, and concurrent submissions sharing one row
    -- lock turn into multixacts that serialize them. Deleting a webhook
    -- deletes its deliveries (`db::webhooks::delete`).
    webhook_id       bigint not null,
    -- The audit event that made it (the message id receivers see is
    -- `msg_` + this id, the same on every retry and every webhook).
    audit_event_id   bigint not null,
    event            text not null,
    -- No foreign key: a purged comment's delivery is still sent (with the
    -- comment as `null`), and a purge does not look here.
    comment_id       bigint not null,
    site_id          text not null,
    status           text not null default 'pending'
                     constraint webhook_deliveries_status_check
                     check (status in ('pending', 'delivered', 'failed')),
    attempts         integer not null default 0,
    -- While pending: when the next attempt is due. A worker that takes
    -- one moves it a minute ahead (a lease longer than the 10 s timeout),
    -- so no other worker takes it meanwhile.
    next_attempt_at  timestamptz not null default now(),
    -- Retries stop here (a day after the event, or after a redelivery).
    retry_until      timestamptz not null default now() + interval '24 hours',
    last_attempt_at  timestamptz,
    response_status  integer,
    last_error       text,
    sent_at          timestamptz,
    created_at       timestamptz not null default now()
);

create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at)
    where status = 'pending';
create index webhook_deliveries_webhook_idx on webhook_deliveries (webhook_id, id desc);

-- The audit event's comment and action say what happened; the webhooks
-- that asked for it get a delivery each. One cheap probe when there are
-- no active webhooks.
create function webhooks_enqueue() returns trigger language plpgsql as $$
declare
    ev text;
begin
    if not exists (select 1 from webhooks where active) then
        return null;
    end if;
    ev := case
        when new.action = 'comment.submitted' then 'comment.created'
        when new.action = 'comment.edited' then 'comment.edited'
        when new.action = 'comment.erased' then 'comment.erased'
        when new.old_status is not null and new.new_status is not null
             and new.old_status <> new.new_status then 'comment.status_changed'
    end;
    if ev is null then
        return null;
    end if;
    insert into webhook_deliveries (webhook_id, audit_event_id, event, comment_id, site_id)
    select w.id, new.id, ev, c.id, c.site_id
    from comments c
    join webhooks w on w.active and ev = any (w.events)
                   and (w.site_id is null or w.site_id = c.site_id)
    where c.id = new.comment_id;
    return null;
end;
$$;

create trigger audit_events_webhooks after insert on audit_events
    for each row when (new.comment_id is not null)
    execute function webhooks_enqueue();
