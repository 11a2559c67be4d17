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

-- Each shard also counts the feature occurrences of its comments, per
-- class (the learner's class totals are the sums over the shards).
alter table spam_corpus_shards
    add column fspam bigint not null default 0 check (fspam >= 0),
    add column fham  bigint not null default 0 check (fham >= 0);

delete from spam_training;
update spam_corpus_shards set nspam = 0, nham = 0, fspam = 0, fham = 0;

alter table spam_training drop column tokens;
alter table spam_training add column features integer[] not null;

drop view spam_corpus;
drop table spam_tokens;
