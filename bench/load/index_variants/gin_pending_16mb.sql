-- A variant for bench/load/index_costs.sh: the body's trigram index with
-- a 16 MB pending list (the default is 4 MB): flushed a quarter as often,
-- four times as much each time, and four times as much for a search to read.
alter index comments_body_trgm_idx set (gin_pending_list_limit = 16384);
