-- Seeds a migrated majlis database for the load benchmark, in SQL only
-- (no API calls): :articles articles and :comments comments over them, a
-- tenth pending, a few spam and rejected, each with its audit row.
--
--   psql -v articles=20000 -v comments=1000000 -f bench/load/seed.sql
--
-- Bodies are 300 to 2,000 characters of Arabic, English or both (switching
-- language every dozen words), drawn from a pool of 2,000 texts; each
-- comment appends its own number, so no two comments share a fingerprint.
-- Comments go to articles with a skew (article 1 gets the most), authors
-- post about five comments each, addresses are spread over 60,000.
-- Secondary indexes are dropped for the load and built again after it.
-- The classifier has learnt: 200,000 tokens, the texts' words leaning ham
-- (so new comments stay approved), and class totals past its threshold.

\set ON_ERROR_STOP on
-- building two trigram indexes over a million long bodies
set maintenance_work_mem = '1GB';

-- The pool of texts, also read by the pgbench own-table ceiling.
drop table if exists bench_bodies;
create table bench_bodies as
with words as (
    select array['الحكومة', 'القرار', 'المواطنين', 'الاقتصاد', 'الأسعار', 'المدينة', 'الصحافة',
                 'التقرير', 'السياسة', 'المستقبل', 'الشباب', 'التعليم', 'المستشفى', 'الطريق',
                 'شكرا', 'على', 'هذا', 'المقال', 'الرائع', 'أتفق', 'مع', 'الكاتب', 'لكن', 'يجب',
                 'أن', 'نفكر', 'في', 'الحلول', 'العملية', 'وليس', 'الكلام', 'فقط', 'الوضع',
                 'صعب', 'جدا', 'والناس', 'تعبت', 'من', 'الانتظار', 'نريد', 'أفعالا', 'حقيقية',
                 'البلد', 'تستحق', 'الأفضل', 'وزارة', 'الماء', 'الكهرباء', 'العمل', 'الرواتب',
                 'تحليل', 'ممتاز', 'ودقيق', 'أختلف', 'معك', 'تماما', 'الحقيقة', 'أن', 'المشكلة',
                 'أكبر', 'بكثير', 'مما', 'يقال'] as ar,
           array['the', 'government', 'decision', 'citizens', 'economy', 'prices', 'city',
                 'report', 'policy', 'future', 'young', 'people', 'education', 'hospital', 'road',
                 'thanks', 'for', 'this', 'great', 'article', 'I', 'agree', 'with', 'author',
                 'but', 'we', 'should', 'think', 'about', 'practical', 'solutions', 'not', 'just',
                 'words', 'situation', 'is', 'very', 'hard', 'and', 'tired', 'of', 'waiting',
                 'want', 'real', 'action', 'country', 'deserves', 'better', 'ministry', 'water',
                 'electricity', 'work', 'salaries', 'analysis', 'excellent', 'accurate',
                 'disagree', 'completely', 'truth', 'problem', 'much', 'bigger', 'than', 'said'] as en
),
spec as (
    -- kind 0 Arabic, 1 English, 2 both; length 300..2000
    select g as id, g % 3 as kind, 300 + floor(random() * 1701)::int as len
    from generate_series(1, 2000) as g
),
text_of as (
    select s.id, s.len,
           string_agg(case
                          when s.kind = 0 or (s.kind = 2 and (w.i / 12) % 2 = 0)
                              then ar[1 + floor(random() * array_length(ar, 1))::int]
                          else en[1 + floor(random() * array_length(en, 1))::int]
                      end, ' ' order by w.i) as t
    from spec s cross join words cross join generate_series(1, 420) as w(i)
    group by s.id, s.len
)
select id, rtrim(left(t, len - 8)) as body from text_of;
alter table bench_bodies add primary key (id);

insert into articles (id, url, title, created_at)
select 'news/' || g, 'https://news.example/news/' || g, 'مقال ' || g,
       now() - interval '400 days' + g * (interval '400 days' / :articles)
from generate_series(1, :articles) as g;

-- Secondary indexes of the two written tables, to build again after the load.
drop table if exists bench_index_defs;
create table bench_index_defs as
select i.indexname, i.indexdef
from pg_indexes i
where i.schemaname = 'public' and i.tablename in ('comments', 'audit_events')
  and not exists (select 1 from pg_constraint c where c.conname = i.indexname);
do $$
declare r record;
begin
    for r in select indexname from bench_index_defs loop
        execute format('drop index %I', r.indexname);
    end loop;
end $$;

insert into comments (article_id, author_name, author_email, avatar, body, body_html,
                      body_fingerprint, status, spam_score, ip, user_agent, created_at, updated_at)
select c.article_id, c.author_name, c.author_email, md5(c.author_email) || md5(c.author_name),
       c.body, '<p dir="auto">' || c.body || '</p>',
       encode(sha256(convert_to(lower(c.body), 'UTF8')), 'hex'),
       c.status, case c.status when 'spam' then 12 when 'rejected' then 6 else 1 end,
       -- As a site in its steady state: the retention job
       -- (`ip_retention_days`, 30) has cleared older comments' network data.
       case when c.at > now() - interval '30 days' then c.ip end,
       case when c.at > now() - interval '30 days' then 'Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0' end,
       c.at, c.at
from (
    select 'news/' || (1 + floor(:articles * power(random(), 2))::int) as article_id,
           case when g % 2 = 0 then 'قارئ ' || (g % (:comments / 5 + 1)) else 'Reader ' || (g % (:comments / 5 + 1)) end as author_name,
           'reader' || (g % (:comments / 5 + 1)) || '@example.org' as author_email,
           b.body || ' ' || g as body,
           case when g % 10 = 0 then 'pending'
                when g % 50 = 1 then 'spam'
                when g % 100 = 3 then 'rejected'
                else 'approved' end as status,
           ('10.' || (g % 60000) / 250 || '.' || (g % 250) || '.' || (1 + g % 7))::inet as ip,
           now() - interval '365 days' + g * (interval '365 days' / :comments) as at
    from generate_series(1, :comments) as g
    join bench_bodies b on b.id = 1 + g % 2000
) as c;

insert into audit_events (at, actor, action, comment_id, new_status, details)
select created_at, 'system', 'comment.submitted', id, status, jsonb_build_object('spam_score', spam_score)
from comments;

do $$
declare r record;
begin
    for r in select indexdef from bench_index_defs loop
        execute r.indexdef;
    end loop;
end $$;
drop table bench_index_defs;

-- A trained learner: 300,000 of the 2^20 feature buckets with counts that
-- lean ham, and class totals per script (0 Arabic, 1 Latin) as a site with
-- 1,600 spam and 20,000 ham decisions would have, so new comments stay
-- approved and every submission really looks its features up.
insert into spam_features (bucket, spam, ham)
select b, floor(random() * 4)::int, 1 + floor(random() * 60)::int
from (select distinct floor(random() * 1048576)::int as b
      from generate_series(1, 300000)) as buckets
on conflict (bucket) do nothing;
update spam_corpus_shards
set nspam = 50, nham = 625, fspam = 50 * 500, fham = 625 * 500
where script in (0, 1);

vacuum analyze;
