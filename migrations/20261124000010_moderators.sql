-- Moderator accounts, their sessions, and the login throttle.

create table moderators (
    id             bigint generated always as identity primary key,
    -- stored lowercased; unique case-insensitively
    email          text not null,
    display_name   text not null,
    role           text not null constraint moderators_role_check
                   check (role in ('admin', 'moderator')),
    disabled       boolean not null default false,
    -- Argon2id PHC string
    password_hash  text not null,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now()
);

create unique index moderators_email_key on moderators (lower(email));

create trigger moderators_updated_at before update on moderators
    for each row execute function majlis_set_updated_at();

-- Bearer tokens, kept only as their SHA-256. Sliding expiry.
create table sessions (
    token_hash    bytea primary key,
    moderator_id  bigint not null references moderators (id) on delete cascade,
    created_at    timestamptz not null default now(),
    last_seen_at  timestamptz not null default now(),
    expires_at    timestamptz not null
);

create index sessions_moderator_idx on sessions (moderator_id);
create index sessions_expires_idx on sessions (expires_at);

-- Login attempts per key ('account:<sha256 of email>' or 'ip:<address>'),
-- counted atomically so the limit holds across server processes.
create table login_throttle (
    key             text primary key,
    attempts        integer not null,
    window_started  timestamptz not null
);
