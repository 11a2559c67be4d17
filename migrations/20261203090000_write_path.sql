-- The write path at the database's speed (see src/db/submissions.rs).
--
-- 1. No NOTIFY per commit. A NOTIFY in a transaction takes a cluster-wide
--    lock at commit, so every submission's commit waited for every other's.
--    Instances now poll for articles whose `comment_version` moved
--    (src/public_cache.rs), through this index; versions come from one
--    sequence, so "moved since" is "greater than the last one seen".
drop trigger articles_comment_change on articles;
drop function articles_notify_comment_change();
drop trigger articles_created_notify on articles;
drop function articles_notify_created();

create index articles_comment_version_idx on articles (comment_version);

-- 2. A submission is one statement; when a flood counter is full, this
--    aborts it (SQLSTATE MJ429), so the takes it already counted on other
--    counters and everything else in it are undone.
create function majlis_refuse_flood(allowed boolean) returns boolean
    language plpgsql volatile as $$
begin
    if not allowed then
        raise exception 'flood limit reached' using errcode = 'MJ429';
    end if;
    return true;
end;
$$;
