-- Every query shape of src/db/ that reads `comments`, with parameters
-- taken from the seeded database (bench/load/seed.sql), each run through
-- EXPLAIN ANALYZE twice by bench_explain() (created by
-- bench/load/index_costs.sh; the second run is the one reported, the
-- cache being warm). Prints one line per query: name|ms|indexes|rows.
--
-- The SQL is that of src/db/ with the statement's parameters written as
-- literals (what a custom plan sees; sqlx prepares each statement and
-- Postgres plans its first five executions with their values). Run inside
-- a transaction that bench/load/index_costs.sh rolls back (the privacy
-- lock takes row locks). Reads by primary key alone (one comment by id,
-- the spam learner's reads by ids, `majlis spam-retrain`'s batches) are
-- left out: no secondary index serves them.

\set ON_ERROR_STOP on
\pset format unaligned
\pset tuples_only on
\pset fieldsep '|'

-- The parameters: the busiest article, one in the middle of the ids, the
-- newest pending comment's author, address, text and number, cursors
-- deep into the listing (2,000 rows in) and the queue (1,000 rows in).
select 'news/1' as hot,
       (select article_id from comments where id = (select max(id) / 2 from comments)) as mid,
       lower(c.author_email) as email, host(c.ip) as ip, host(set_masklen(c.ip, 24)) || '/24' as net,
       c.body_fingerprint as fingerprint, substring(c.body from ' ([0-9]+)$') as number,
       (select string_agg(quote_literal('news/' || g), ',') from generate_series(1, 10) g) as ten
from comments c where c.status = 'pending' order by c.id desc limit 1 \gset
select created_at as list_at, id as list_id from comments
where article_id = 'news/1' and status = 'approved' order by created_at, id
offset (select least(2000, count(*) - 1) from comments where article_id = 'news/1' and status = 'approved')
limit 1 \gset
select created_at as queue_at, id as queue_id from comments
where status = 'pending' order by created_at desc, id desc
offset (select least(1000, count(*) - 1) from comments where status = 'pending') limit 1 \gset
select max(id) / 2 as some_id from comments \gset

-- src/db/comments.rs
select 'public: listing, hot article, first page', * from bench_explain(format(
    'select * from comments where article_id = %L and status = ''approved''
       and (null::timestamptz is null or (created_at, id) > (null, 0)) order by created_at, id limit 51', :'hot'));
select 'public: listing, hot article, deep page', * from bench_explain(format(
    'select * from comments where article_id = %L and status = ''approved''
       and (%L::timestamptz is null or (created_at, id) > (%L, %s)) order by created_at, id limit 51',
    :'hot', :'list_at', :'list_at', :'list_id'));
select 'public: listing, mid article', * from bench_explain(format(
    'select * from comments where article_id = %L and status = ''approved''
       and (null::timestamptz is null or (created_at, id) > (null, 0)) order by created_at, id limit 51', :'mid'));
select 'public: count, hot article', * from bench_explain(format(
    'select count(*) from comments where article_id = %L and status = ''approved''', :'hot'));
select 'public: counts, 10 articles', * from bench_explain(format(
    'select a.id, (select count(*) from comments c where c.article_id = a.id and c.status = ''approved'')
     from unnest(array[%s]::text[]) as a(id)', :'ten'));

-- src/db/submissions.rs: the read of a submission, for a new author with a
-- new text (the load benchmark's case) and for the newest pending
-- comment's author, address and text (a returning author, a repeat).
select 'submission: context, new author and text', * from bench_explain(format(
    $q$with mine as (
        select article_id, status, body_fingerprint from comments
        where lower(author_email) = lower(%1$L) order by lower(author_email), created_at desc limit 500
     ), from_ip as (
        select status from comments where %2$L::inet is not null and ip = %2$L
        order by ip, created_at desc limit 500
     ), same_text as (
        select lower(author_email) as email from comments
        where body_fingerprint = %3$L and created_at > now() - interval '1 day'
        order by body_fingerprint, created_at desc limit 500
     )
     select (%4$s::bigint is not null and exists (
                select 1 from comments p where p.id = %4$s and p.article_id = %5$L and p.status = 'approved')),
            (select count(*) from mine where status = 'approved'),
            (select count(*) from mine where status = 'spam'),
            (select count(*) from mine where status = 'rejected'),
            exists (select 1 from mine where article_id = %5$L and body_fingerprint = %3$L),
            (select count(*) from from_ip where status = 'spam'),
            (select count(distinct email) from same_text where email <> lower(%1$L))$q$,
    'someone-new@example.net', '192.0.2.77', repeat('f', 64), 'null', :'hot'));
select 'submission: context, returning author, same text', * from bench_explain(format(
    $q$with mine as (
        select article_id, status, body_fingerprint from comments
        where lower(author_email) = lower(%1$L) order by lower(author_email), created_at desc limit 500
     ), from_ip as (
        select status from comments where %2$L::inet is not null and ip = %2$L
        order by ip, created_at desc limit 500
     ), same_text as (
        select lower(author_email) as email from comments
        where body_fingerprint = %3$L and created_at > now() - interval '1 day'
        order by body_fingerprint, created_at desc limit 500
     )
     select (%4$s::bigint is not null and exists (
                select 1 from comments p where p.id = %4$s and p.article_id = %5$L and p.status = 'approved')),
            (select count(*) from mine where status = 'approved'),
            (select count(*) from mine where status = 'spam'),
            (select count(*) from mine where status = 'rejected'),
            exists (select 1 from mine where article_id = %5$L and body_fingerprint = %3$L),
            (select count(*) from from_ip where status = 'spam'),
            (select count(distinct email) from same_text where email <> lower(%1$L))$q$,
    :'email', :'ip', :'fingerprint', :'some_id', :'hot'));

-- src/db/moderation.rs: the queue (newest first, 50 + 1 rows) with each
-- filter, counts, an author's record; src/routes/metrics.rs
select 'queue: pending', * from bench_explain(
    'select * from comments where true and status = ''pending'' order by created_at desc, id desc limit 51');
select 'queue: pending, deep page', * from bench_explain(format(
    'select * from comments where true and status = ''pending'' and (created_at, id) < (%L, %s)
     order by created_at desc, id desc limit 51', :'queue_at', :'queue_id'));
select 'queue: approved', * from bench_explain(
    'select * from comments where true and status = ''approved'' order by created_at desc, id desc limit 51');
select 'queue: spam', * from bench_explain(
    'select * from comments where true and status = ''spam'' order by created_at desc, id desc limit 51');
select 'queue: all statuses', * from bench_explain(
    'select * from comments where true order by created_at desc, id desc limit 51');
select 'queue: all statuses, deep page', * from bench_explain(format(
    'select * from comments where true and (created_at, id) < (%L, %s)
     order by created_at desc, id desc limit 51', :'queue_at', :'queue_id'));
select 'queue: pending, hot article', * from bench_explain(format(
    'select * from comments where true and status = ''pending'' and article_id = %L
     order by created_at desc, id desc limit 51', :'hot'));
select 'queue: all, mid article', * from bench_explain(format(
    'select * from comments where true and article_id = %L order by created_at desc, id desc limit 51', :'mid'));
select 'queue: pending, email', * from bench_explain(format(
    'select * from comments where true and status = ''pending'' and lower(author_email) = lower(%L)
     order by created_at desc, id desc limit 51', :'email'));
select 'queue: all, email', * from bench_explain(format(
    'select * from comments where true and lower(author_email) = lower(%L)
     order by created_at desc, id desc limit 51', :'email'));
select 'queue: pending, address', * from bench_explain(format(
    'select * from comments where true and status = ''pending'' and ip <<= %L::inet
     order by created_at desc, id desc limit 51', :'ip'));
select 'queue: all, /24 range', * from bench_explain(format(
    'select * from comments where true and ip <<= %L::inet order by created_at desc, id desc limit 51', :'net'));
select 'queue: pending, min_score 5', * from bench_explain(
    'select * from comments where true and status = ''pending'' and spam_score >= 5
     order by created_at desc, id desc limit 51');
select 'queue: spam, min_score 10', * from bench_explain(
    'select * from comments where true and status = ''spam'' and spam_score >= 10
     order by created_at desc, id desc limit 51');
select 'queue: all, min_score 10', * from bench_explain(
    'select * from comments where true and spam_score >= 10 order by created_at desc, id desc limit 51');
select 'queue: pending, q= a comment''s number', * from bench_explain(format(
    'select * from comments where true and status = ''pending'' and (body ilike %1$L or author_name ilike %1$L)
     order by created_at desc, id desc limit 51', '%' || :'number' || '%'));
select 'queue: all, q= a comment''s number', * from bench_explain(format(
    'select * from comments where true and (body ilike %1$L or author_name ilike %1$L)
     order by created_at desc, id desc limit 51', '%' || :'number' || '%'));
select 'queue: pending, q= Arabic word in no comment', * from bench_explain(
    'select * from comments where true and status = ''pending'' and (body ilike ''%سياسي%'' or author_name ilike ''%سياسي%'')
     order by created_at desc, id desc limit 51');
select 'queue: all, q= Arabic word in no comment', * from bench_explain(
    'select * from comments where true and (body ilike ''%سياسي%'' or author_name ilike ''%سياسي%'')
     order by created_at desc, id desc limit 51');
select 'queue: all, q= an author''s name', * from bench_explain(
    'select * from comments where true and (body ilike ''%Reader 1234%'' or author_name ilike ''%Reader 1234%'')
     order by created_at desc, id desc limit 51');
select 'queue: pending, q= common English word', * from bench_explain(
    'select * from comments where true and status = ''pending'' and (body ilike ''%electricity%'' or author_name ilike ''%electricity%'')
     order by created_at desc, id desc limit 51');
select 'queue: pending, q= common Arabic word', * from bench_explain(
    'select * from comments where true and status = ''pending'' and (body ilike ''%الكهرباء%'' or author_name ilike ''%الكهرباء%'')
     order by created_at desc, id desc limit 51');
select 'queue: counts by status', * from bench_explain(
    'select s.status, (select count(*) from comments c where c.status = s.status)
     from unnest(array[''pending'', ''approved'', ''spam'', ''rejected'']) as s(status)');
select 'metrics: pending count', * from bench_explain(
    'select count(*) from comments where status = ''pending''');
select 'author record: by email', * from bench_explain(format(
    'select count(*) filter (where status = ''pending''), count(*) filter (where status = ''approved''),
            count(*) filter (where status = ''spam''), count(*) filter (where status = ''rejected'')
     from comments where lower(author_email) = lower(%L)', :'email'));
select 'author record: by address', * from bench_explain(format(
    'select count(*) filter (where status = ''pending''), count(*) filter (where status = ''approved''),
            count(*) filter (where status = ''spam''), count(*) filter (where status = ''rejected'')
     from comments where ip = %L', :'ip'));

-- src/db/privacy.rs
select 'privacy: comments by email', * from bench_explain(format(
    'select * from comments where lower(author_email) = lower(%L) order by id', :'email'));
select 'privacy: lock comments by email', * from bench_explain(format(
    'select id, status from comments where lower(author_email) = lower(%L) order by id for no key update', :'email'));

-- src/db/export.rs (batches of 1,000 in id order)
select 'export: batch, no filter', * from bench_explain(format(
    'select * from comments where id > %s and (null::text is null or status = null) and (null::text is null or article_id = null)
       and (null::timestamptz is null or created_at >= null) and (null::timestamptz is null or created_at < null)
     order by id limit 1000', :'some_id'));
select 'export: batch, approved, last 30 days', * from bench_explain(
    'select * from comments where id > 0 and (''approved''::text is null or status = ''approved'')
       and (null::text is null or article_id = null)
       and ((now() - interval ''30 days'')::timestamptz is null or created_at >= now() - interval ''30 days'')
       and (null::timestamptz is null or created_at < null)
     order by id limit 1000');
select 'export: count, hot article', * from bench_explain(format(
    'select count(*) from comments where (null::text is null or status = null) and (%1$L::text is null or article_id = %1$L)
       and (null::timestamptz is null or created_at >= null) and (null::timestamptz is null or created_at < null)', :'hot'));

-- src/db/import.rs
select 'import: already imported ids', * from bench_explain(
    'select wp_comment_id, id from comments where import_source = ''wordpress:news.example'' and wp_comment_id = any(array[1, 2, 3, 500, 90000])');
select 'import: the duplicate an import repeats', * from bench_explain(format(
    'select id from comments where article_id = %L and lower(author_email) = lower(%L) and body_fingerprint = %L
       and author_email <> ''''', :'hot', :'email', :'fingerprint'));

