-- Mail (issue 18): moderators opt in to a mail per held comment or a
-- digest; readers opt in on the form to hear when their comment is
-- published and when someone replies. Mails wait in `mail_outbox`, queued
-- by a trigger on `audit_events` in the transaction of the change (the
-- digest by the workers' periodic check), and go out with the webhooks'
-- retries. What a mail says is written when it is sent.

alter table moderators add column notify text not null default 'off'
    constraint moderators_notify_check check (notify in ('off', 'each', 'digest'));
alter table moderators add column digest_minutes integer not null default 60
    constraint moderators_digest_minutes_check check (digest_minutes between 5 and 1440);
alter table moderators add column notify_lang text not null default 'ar'
    constraint moderators_notify_lang_check check (notify_lang in ('ar', 'en'));
alter table moderators add column digest_sent_at timestamptz;

-- The reader asked for mail about this comment, in this language (null:
-- no mail). Constant defaults: no rewrite of the table.
alter table comments add column notify_lang text;

create table mail_outbox (
    id               bigint generated always as identity primary key,
    -- held: a comment waits (to a moderator); digest: what waits (to a
    -- moderator); approved: the reader's comment was published; reply:
    -- someone answered the reader's comment.
    kind             text not null
                     constraint mail_outbox_kind_check
                     check (kind in ('held', 'digest', 'approved', 'reply')),
    -- No foreign key (as for webhook deliveries: no shared row lock per
    -- queued mail); a mail whose account is gone is skipped.
    moderator_id     bigint,
    -- held, approved: the comment; reply: the reply.
    comment_id       bigint,
    -- reply: the reader's comment it answers.
    parent_id        bigint,
    status           text not null default 'pending'
                     constraint mail_outbox_status_check
                     -- skipped: no longer wanted when its turn came (the
                     -- reader or moderator unsubscribed, the account was
                     -- disabled).
                     check (status in ('pending', 'sent', 'failed', 'skipped')),
    attempts         integer not null default 0,
    next_attempt_at  timestamptz not null default now(),
    retry_until      timestamptz not null default now() + interval '24 hours',
    last_attempt_at  timestamptz,
    -- The SMTP server's reply code, when it answered.
    response_status  integer,
    last_error       text,
    sent_at          timestamptz,
    created_at       timestamptz not null default now()
);

create index mail_outbox_due_idx on mail_outbox (next_attempt_at) where status = 'pending';

-- A comment that enters `pending` (held at submission, by reports, an
-- appeal) is mailed to each moderator who asked for every one and may
-- see its site; a comment a moderator publishes is mailed to its author
-- if they asked; a reply that is published, to the author of the comment
-- it answers if they asked (not to themselves).
create function mail_enqueue() returns trigger language plpgsql as $$
begin
    if new.new_status = 'pending' and new.old_status is distinct from 'pending' then
        insert into mail_outbox (kind, moderator_id, comment_id)
        select 'held', m.id, c.id
        from comments c
        join moderators m on m.notify = 'each' and not m.disabled
                         and (m.sites is null or c.site_id = any (m.sites))
        where c.id = new.comment_id;
    elsif new.new_status = 'approved' and new.old_status is distinct from 'approved' then
        if new.action <> 'comment.submitted' then
            insert into mail_outbox (kind, comment_id)
            select 'approved', c.id from comments c
            where c.id = new.comment_id and c.notify_lang is not null and c.author_email <> '';
        end if;
        insert into mail_outbox (kind, comment_id, parent_id)
        select 'reply', c.id, p.id
        from comments c
        join comments p on p.id = c.parent_id
        where c.id = new.comment_id
          and p.notify_lang is not null and p.author_email <> '' and p.status = 'approved'
          and lower(p.author_email) <> lower(c.author_email);
    end if;
    return null;
end;
$$;

create trigger audit_events_mail after insert on audit_events
    for each row when (new.comment_id is not null and new.new_status in ('pending', 'approved'))
    execute function mail_enqueue();
