-- A variant for bench/load/index_costs.sh: the body's trigram index with
-- a 1 MB pending list (the default is 4 MB): flushed four times as often.
alter index comments_body_trgm_idx set (gin_pending_list_limit = 1024);
