-- The moderation queue: substring search in bodies and names (Arabic and
-- English alike) with trigram indexes, and newest-first scans across all
-- statuses.

create extension if not exists pg_trgm;

create index comments_body_trgm_idx on comments using gin (body gin_trgm_ops);
create index comments_name_trgm_idx on comments using gin (author_name gin_trgm_ops);
create index comments_newest_idx on comments (created_at desc, id desc);
create index comments_score_idx on comments (status, spam_score);
-- Audit history of one comment, oldest first, is served by
-- audit_events_comment_idx; the whole log pages by id.
