-- The learner (src/spam/learner.rs) counts hashed features instead of text
-- tokens: each comment's features (src/spam/features.rs) are buckets in
-- 0..2^20, so the shared store holds at most 1,048,576 rows however many
-- comments a site trains, and a lookup is an integer index probe.
--
-- What was trained from text tokens cannot be turned into features here
-- (the features are computed from the comment's text, in Rust): the old
-- training is cleared. `majlis spam-retrain` teaches again every comment
-- whose status a moderator set or confirmed (see the README).
create table spam_features (
    bucket  integer primary key
            constraint spam_features_range check (bucket >= 0 and bucket < 1048576),
    spam    integer not null default 0 check (spam >= 0),
    ham     integer not null default 0 check (ham >= 0)
);

-- The class totals are kept per script (src/spam/learner.rs `Script`: 0
-- Arabic, 1 Latin, 2 other): comments and feature occurrences per class,
-- in sixteen shards per script (a comment counts in shard `id % 16` of
-- the script its body is mostly written in). The old totals are cleared
-- with the token training, so the table is made anew.
drop view spam_corpus;
drop table spam_corpus_shards;
create table spam_corpus_shards (
    shard   smallint not null constraint spam_corpus_shards_range check (shard between 0 and 15),
    script  smallint not null constraint spam_corpus_shards_script check (script between 0 and 2),
    nspam   integer not null default 0 check (nspam >= 0),
    nham    integer not null default 0 check (nham >= 0),
    fspam   bigint not null default 0 check (fspam >= 0),
    fham    bigint not null default 0 check (fham >= 0),
    primary key (shard, script)
);
insert into spam_corpus_shards (shard, script)
select s, k from generate_series(0, 15) as s, generate_series(0, 2) as k;

-- What each comment was trained as now names its features and the script
-- whose totals it counted in, so untraining subtracts exactly that.
delete from spam_training;
alter table spam_training drop column tokens;
alter table spam_training add column features integer[] not null;
alter table spam_training add column script smallint not null
    constraint spam_training_script check (script between 0 and 2);

drop table spam_tokens;
