-- Imports and privacy requests.
--
-- A comment imported from a WordPress export (WXR) remembers the site it
-- came from and its WordPress comment id, so importing the same file again
-- adds nothing twice. Both are null for comments posted to majlis.
alter table comments
    add column import_source  text,
    add column wp_comment_id  bigint,
    add constraint comments_import_pair_check
        check ((import_source is null) = (wp_comment_id is null));

create unique index comments_wp_source_key on comments (import_source, wp_comment_id)
    where wp_comment_id is not null;

-- A repeated erasure request is recognized by the keyed hash of the email
-- (never the email itself) recorded in its audit event.
create index audit_events_erasure_idx on audit_events ((details ->> 'email_hmac'))
    where action = 'privacy.erased';
