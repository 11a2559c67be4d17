-- Articles the site registered (an admin's PUT, for a CMS to call, or an
-- import) as opposed to ids first seen in an anonymous submission; and
-- cache validators that never repeat.
--
-- `comment_version` used to start at 0 for an article created without a
-- comment (an import, a restore), the same value that stands for "never
-- seen" in cache validators, and an insert never notified other instances:
-- a listing read before an import kept its ETag after it. Every new article
-- and every bump now takes the next value of one sequence, so a version is
-- never 0 and never taken twice, whatever the statement that writes it
-- (`comment_version + 1` included); and an insert notifies like an update.

alter table articles add column registered_at timestamptz;

create sequence articles_comment_version_seq;
select setval('articles_comment_version_seq',
              greatest(coalesce((select max(comment_version) from articles), 0), 0) + 1, false);
alter table articles alter column comment_version
    set default nextval('articles_comment_version_seq');

create function articles_next_comment_version() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' or new.comment_version is distinct from old.comment_version then
        new.comment_version := nextval('articles_comment_version_seq');
    end if;
    return new;
end;
$$;

create trigger articles_comment_version_next before insert or update of comment_version on articles
    for each row execute function articles_next_comment_version();

create function articles_notify_created() returns trigger language plpgsql as $$
begin
    perform pg_notify('majlis_article_changed', new.id);
    return new;
end;
$$;

create trigger articles_created_notify after insert on articles
    for each row execute function articles_notify_created();
