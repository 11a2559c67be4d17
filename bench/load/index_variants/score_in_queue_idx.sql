-- A variant for bench/load/index_costs.sh (measured, not taken: see
-- bench/PROFILE.md, "What each index of `comments` costs"): the spam-score
-- index folded into the queue index as its last key, one B-tree insert
-- less per comment.
drop index comments_score_idx;
drop index comments_queue_idx;
create index comments_queue_idx on comments (status, created_at desc, id desc, spam_score);
