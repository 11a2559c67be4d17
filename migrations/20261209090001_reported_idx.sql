-- no-transaction
create index concurrently comments_reported_idx on comments (open_networks desc, created_at desc, id desc) where open_reports > 0;
