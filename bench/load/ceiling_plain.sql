-- pgbench ceiling (a): one comment row per transaction into a plain table
-- (bench_plain: the columns and defaults of `comments`, no index, no
-- constraint, no trigger). Variables: -D articles=N.
\set a random(1, :articles)
\set b random(1, 2000)
insert into bench_plain (article_id, author_name, author_email, avatar, body, body_html,
                         body_fingerprint, status, spam_score, spam_reasons, ip, user_agent)
select 'news/' || :a, 'Reader ' || :client_id, 'pgb-' || :client_id || '-' || md5(random()::text) || '@example.org',
       md5(random()::text) || md5(random()::text), b.body, '<p dir="auto">' || b.body || '</p>',
       md5(random()::text) || md5(random()::text), 'approved', 0.5, '[]',
       ('10.9.' || :client_id || '.' || (1 + :b % 250))::inet, 'Mozilla/5.0 (pgbench)'
from bench_bodies b where b.id = :b;
