-- The classifier's class totals were one row that every training updated
-- (and held until commit), so all trainings queued on it, and a training
-- that untrained and retrained a comment locked it between two rounds of
-- token locks: two such transactions sharing a token could deadlock.
--
-- Now the totals are sixteen counters: a comment's training (and its
-- untraining) adds to shard `comment_id % 16`, taken last in every
-- transaction (see src/training.rs for the lock order), and readers sum the
-- shards. `spam_corpus` stays as a view with the old shape for readers.
create table spam_corpus_shards (
    shard  smallint primary key constraint spam_corpus_shards_range check (shard between 0 and 15),
    nspam  integer not null default 0 check (nspam >= 0),
    nham   integer not null default 0 check (nham >= 0)
);

insert into spam_corpus_shards (shard, nspam, nham)
select g, 0, 0 from generate_series(0, 15) as g;

-- Today's totals, spread by the comments they came from, so that a later
-- untraining finds its shard's count; what the training table does not
-- explain (there should be nothing) stays in shard 0.
update spam_corpus_shards s
set nspam = t.nspam, nham = t.nham
from (
    select (comment_id % 16)::smallint as shard,
           count(*) filter (where trained_as = 'spam')::integer as nspam,
           count(*) filter (where trained_as = 'ham')::integer as nham
    from spam_training group by 1
) t
where s.shard = t.shard;

update spam_corpus_shards s
set nspam = s.nspam + greatest(c.nspam - (select count(*) from spam_training where trained_as = 'spam'), 0),
    nham = s.nham + greatest(c.nham - (select count(*) from spam_training where trained_as = 'ham'), 0)
from spam_corpus c
where s.shard = 0 and c.id = 1;

drop table spam_corpus;

create view spam_corpus as
select 1 as id,
       coalesce(sum(nspam), 0)::integer as nspam,
       coalesce(sum(nham), 0)::integer as nham
from spam_corpus_shards;
