-- Every instance caches public listings; when an article's comments change
-- (its comment_version moves), tell them all. NOTIFY is delivered on commit.

create function articles_notify_comment_change() returns trigger language plpgsql as $$
begin
    if new.comment_version is distinct from old.comment_version then
        perform pg_notify('majlis_article_changed', new.id);
    end if;
    return new;
end;
$$;

create trigger articles_comment_change after update of comment_version on articles
    for each row execute function articles_notify_comment_change();
