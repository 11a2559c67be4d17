-- Several sites on one majlis: an Arabic and an English edition, or
-- several publications, each with its own articles (ids are the site's
-- own: WordPress post 42 of one edition is not post 42 of the other), its
-- own settings (allowed origins among them) and its own exports.
-- Deployments with one site have `default`, which every existing row
-- belongs to.
--
-- This is the last migration of release 0.2.0, and like the spam tables'
-- rebuild earlier in 0.2.0 it changes what release 0.1.0 uses (the
-- articles' key, the settings table): an upgrade from 0.1.0 stops 0.1.0
-- first (CHANGELOG.md). The expand-only rules of migrations/README.md hold
-- for every migration after this one.

create table sites (
    id                text primary key
                      constraint sites_id_format check (id ~ '^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$'),
    name              text not null
                      constraint sites_name_length check (char_length(name) between 1 and 200),
    -- only the fields changed from their defaults; merged over defaults on read
    settings          jsonb not null default '{}'::jsonb,
    -- moved by every change of `settings`: instances compare it with their copy
    settings_version  bigint not null default 1,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now()
);

create trigger sites_updated_at before update on sites
    for each row execute function majlis_set_updated_at();

insert into sites (id, name, settings, settings_version)
    select 'default', 'default', data, version from settings;
insert into sites (id, name) values ('default', 'default') on conflict (id) do nothing;
drop table settings;

-- Articles are keyed by site and the site's id.
alter table articles add column site_id text not null default 'default'
    constraint articles_site_id_fkey references sites (id);
alter table comments add column site_id text not null default 'default';
alter table comments drop constraint comments_article_id_fkey;
alter table articles drop constraint articles_pkey;
alter table articles add constraint articles_pkey primary key (site_id, id);
alter table comments add constraint comments_article_fkey
    foreign key (site_id, article_id) references articles (site_id, id);

drop index comments_public_idx;
create index comments_public_idx on comments (site_id, article_id, created_at, id)
    where status = 'approved';
drop index comments_no_duplicate;
create unique index comments_no_duplicate
    on comments (site_id, article_id, lower(author_email), body_fingerprint)
    where author_email <> '';
-- A WordPress comment is imported once into each site.
drop index comments_wp_source_key;
create unique index comments_wp_source_key on comments (site_id, import_source, wp_comment_id)
    where wp_comment_id is not null;
-- The queue of one site (a moderator limited to sites, a `site` filter).
create index comments_site_queue_idx on comments (site_id, status, created_at desc, id desc);

alter table comment_tombstones add column site_id text not null default 'default';

-- The sites a moderator may work on; null: every site. Admins have every site.
alter table moderators add column sites text[];
