-- pgbench ceiling (b): the least a submission must write, in one
-- transaction: its row in majlis's own `comments` table (every index and
-- trigger) and its `comment.submitted` audit row. Variables: -D articles=N.
\set a random(1, :articles)
\set b random(1, 2000)
begin;
insert into comments (article_id, author_name, author_email, avatar, body, body_html,
                      body_fingerprint, status, spam_score, spam_reasons, ip, user_agent)
select 'news/' || :a, 'Reader ' || :client_id, 'pgb-' || :client_id || '-' || md5(random()::text) || '@example.org',
       md5(random()::text) || md5(random()::text), b.body, '<p dir="auto">' || b.body || '</p>',
       md5(random()::text) || md5(random()::text), 'approved', 0.5, '[]',
       ('10.9.' || :client_id || '.' || (1 + :b % 250))::inet, 'Mozilla/5.0 (pgbench)'
from bench_bodies b where b.id = :b;
insert into audit_events (actor, action, comment_id, new_status, details)
values ('system', 'comment.submitted', currval(pg_get_serial_sequence('comments', 'id')), 'approved',
        '{"spam_score": 0.5}');
commit;
