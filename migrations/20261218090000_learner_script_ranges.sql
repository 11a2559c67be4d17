-- The learner keeps each script's feature counts in a range of its own
-- (`spam::learner::key_in`): Latin in buckets 0 .. 2^20, Arabic in 2^20 ..
-- 2 * 2^20, other scripts in 2 * 2^20 .. 3 * 2^20. In one shared range an
-- Arabic comment read the counts of the English features its features
-- collide with, divided by the Arabic totals, and a site that had decided
-- much English spam held Arabic ham for it.
--
-- `spam_training` keeps each comment's features and script as they were,
-- so the counts are rebuilt from it; a new generation makes every
-- instance reload its copy (`spam::mirror`). Latin rows keep their buckets.
--
-- Upgrading with instances of the previous release still running: their
-- Arabic decisions between this migration and their stop land in the
-- Latin range, as before; a learner reset (or deciding those comments
-- again) clears them.

alter table spam_features drop constraint spam_features_range;
alter table spam_features add constraint spam_features_range
    check (bucket >= 0 and bucket < 3 * 1048576);

lock table spam_training in exclusive mode;

delete from spam_features;

insert into spam_features (bucket, spam, ham)
select f + 1048576 * (case t.script when 1 then 0 when 0 then 1 else 2 end),
       count(*) filter (where t.trained_as = 'spam'),
       count(*) filter (where t.trained_as = 'ham')
from spam_training t, unnest(t.features) as f
group by 1;

update spam_learner set generation = generation + 1;
