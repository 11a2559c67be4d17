-- no-transaction
-- The comments whose address, user agent or referrer are still kept, by
-- age within a site: the retention job reads only these (the recent ones
-- and those under a legal hold), never the comments it already cleared.
create index concurrently comments_network_data_idx on comments (site_id, created_at)
    where ip is not null or user_agent is not null or referrer is not null;
