-- Site settings (one row, versioned), rate-limit counters shared by every
-- instance, and the Bayesian classifier's token counts.

create table settings (
    id          integer primary key default 1 constraint settings_single_row check (id = 1),
    version     bigint not null default 1,
    -- only the fields changed from their defaults; merged over defaults on read
    data        jsonb not null default '{}'::jsonb,
    updated_at  timestamptz not null default now()
);
insert into settings (id) values (1);

-- Fixed-window counters: flood control, login throttling. Keys are hashes,
-- never emails or IPs in clear.
create table rate_limits (
    key           text primary key,
    window_start  timestamptz not null,
    hits          integer not null,
    expires_at    timestamptz not null
);
create index rate_limits_expires_idx on rate_limits (expires_at);

create table spam_tokens (
    token  text primary key,
    spam   integer not null default 0 check (spam >= 0),
    ham    integer not null default 0 check (ham >= 0)
);

create table spam_corpus (
    id     integer primary key default 1 constraint spam_corpus_single_row check (id = 1),
    nspam  integer not null default 0 check (nspam >= 0),
    nham   integer not null default 0 check (nham >= 0)
);
insert into spam_corpus (id) values (1);

-- What each comment was trained as, so a reversed decision can be untrained.
create table spam_training (
    comment_id  bigint primary key references comments (id),
    trained_as  text not null check (trained_as in ('spam', 'ham')),
    tokens      text[] not null
);

-- The same text by the same author on the same article is a duplicate.
create unique index comments_no_duplicate on comments (article_id, lower(author_email), body_fingerprint)
    where author_email <> '';
