-- Data that stops growing: spam and rejected comments older than a
-- setting's days are deleted with their personal data (`usecases::
-- retention`), each leaving a tombstone; legal holds exempt comments and
-- authors from that purge and from erasure until lifted.
--
-- Expand only (migrations/README.md): new tables, and the audit log's
-- reference to comments becomes a plain id, so that a purged comment's
-- events stay (they now name a tombstone). Release 0.1.0 never relied on
-- that constraint.

create table comment_tombstones (
    id          bigint primary key,
    article_id  text not null,
    status      text not null,
    -- Why it went: 'spam_retention' or 'rejected_retention'.
    reason      text not null,
    created_at  timestamptz not null,
    -- The last change of the comment (its decision).
    decided_at  timestamptz not null,
    purged_at   timestamptz not null default now()
);

create table legal_holds (
    id            bigint generated always as identity primary key,
    comment_id    bigint,
    -- Lowercased; a hold on an author covers every comment with this email.
    author_email  text,
    reason        text not null,
    placed_by     bigint references moderators (id),
    placed_at     timestamptz not null default now(),
    lifted_by     bigint references moderators (id),
    lifted_at     timestamptz,
    constraint legal_holds_one_target check ((comment_id is null) <> (author_email is null))
);

create index legal_holds_active_comment on legal_holds (comment_id)
    where lifted_at is null and comment_id is not null;
create index legal_holds_active_author on legal_holds (author_email)
    where lifted_at is null and author_email is not null;

alter table audit_events drop constraint if exists audit_events_comment_id_fkey;
