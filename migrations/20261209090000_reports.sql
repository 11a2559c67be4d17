-- Reader reports (issue 17): one row per reader and comment, keyed by
-- HMACs under the instance secret (the reader's browser token, or their
-- address without one; and their network, a /24 or /48), never in clear.
-- A moderator's decision resolves a comment's open reports.
create table comment_reports (
    id          bigint generated always as identity primary key,
    comment_id  bigint not null references comments (id) on delete cascade,
    reader_key  text not null,
    network_key text not null,
    reason      text not null constraint comment_reports_reason_check
                check (reason in ('spam', 'abuse', 'off_topic', 'misinformation', 'other')),
    note        text constraint comment_reports_note_check check (char_length(note) <= 500),
    created_at  timestamptz not null default now(),
    resolved_at timestamptz,
    -- The status the resolving decision chose.
    resolution  text,
    constraint comment_reports_once unique (comment_id, reader_key)
);
create index comment_reports_open_idx on comment_reports (comment_id) where resolved_at is null;

-- Open reports per comment, the distinct networks they come from (the
-- queue sorts by it: new browser tokens are free, networks are not), and
-- how many times a moderator approved the comment over reports (then it
-- takes twice as many networks to hold it again). Defaults: no rewrite
-- of the table.
alter table comments add column open_reports integer not null default 0;
alter table comments add column open_networks integer not null default 0;
alter table comments add column reports_overruled integer not null default 0;
