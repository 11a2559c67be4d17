-- no-transaction
-- The admin's list of articles, newest first, paged by
-- (created_at, site_id, id): scanned backwards, one page per request.
create index concurrently articles_recent_idx on articles (created_at, site_id, id);
