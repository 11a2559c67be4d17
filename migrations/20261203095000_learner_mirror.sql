-- Each instance keeps an exact copy of the learner's feature store in
-- memory (src/spam/mirror.rs) and catches up in every submission's read
-- with the rows written since the snapshot its copy reflects:
-- - `written`: the transaction that wrote the row last (compared with a
--   snapshot by `pg_visible_in_snapshot`, indexed for the range of
--   transactions a snapshot had not seen);
-- - `rev`: moved up by one by every write, under the row's lock, so that
--   an instance never replaces a row with an older read of it;
-- - `spam_learner.generation`: moved by a reset of the learner (which
--   empties the store, leaving no rows to report), so copies reload.
alter table spam_features
    add column written xid8 not null default pg_current_xact_id(),
    add column rev bigint not null default 1;
create index spam_features_written on spam_features (written);

create table spam_learner (
    one        boolean primary key default true constraint spam_learner_one check (one),
    generation bigint not null default 0
);
insert into spam_learner default values;
