-- The commenter's edit window (issue 16): the hash of the edit token the
-- 201 answer carries once, the previous texts of edited comments, and the
-- author as an actor in the audit log.

alter table comments add column edit_token_hash bytea;

-- One row per edit, by the author or a moderator: the text as it was
-- before. Moderators read them; a privacy export lists them; an erasure
-- or a purge removes them with the comment's personal data.
create table comment_revisions (
    id           bigint generated always as identity primary key,
    comment_id   bigint not null references comments (id) on delete cascade,
    body         text not null,
    edited_at    timestamptz not null default now(),
    edited_by    text not null constraint comment_revisions_edited_by_check
                 check (edited_by in ('author', 'moderator')),
    moderator_id bigint references moderators (id)
);
create index comment_revisions_comment_idx on comment_revisions (comment_id, id);

-- Widened, not narrowed: what the previous release writes still passes.
-- Added `not valid` (no scan under this file's locks); the next migration
-- validates it in a transaction of its own, which lets writes go on.
alter table audit_events drop constraint audit_events_actor_check;
alter table audit_events add constraint audit_events_actor_check
    check (actor in ('system', 'moderator', 'author')) not valid;
