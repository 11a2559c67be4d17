-- A variant for bench/load/index_costs.sh: one two-column trigram index
-- for body and name instead of two (the queue's `q=` search reads both
-- columns of it; one pending list and one metapage per insert).
drop index comments_body_trgm_idx;
drop index comments_name_trgm_idx;
create index comments_search_trgm_idx on comments using gin (body gin_trgm_ops, author_name gin_trgm_ops);
