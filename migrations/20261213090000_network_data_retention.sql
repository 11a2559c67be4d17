-- Keeping less (issue 18): a comment's address, user agent and referrer
-- are cleared `ip_retention_days` after it was written. Clearing them is
-- not a change of the comment: the transaction that clears sets
-- `majlis.network_data_retention` to `on` and `updated_at` stays (a
-- tombstone and the exports read it as the comment's last change). Every
-- other update sets it as before; a release that does not know the
-- setting never sets it.
create or replace function majlis_set_updated_at() returns trigger language plpgsql as $$
begin
    if current_setting('majlis.network_data_retention', true) is distinct from 'on' then
        new.updated_at := now();
    end if;
    return new;
end;
$$;
