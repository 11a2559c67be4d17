-- A variant for bench/load/index_costs.sh: the trigram indexes without
-- their pending lists (every entry goes into the index at insert time).
alter index comments_body_trgm_idx set (fastupdate = off);
alter index comments_name_trgm_idx set (fastupdate = off);
