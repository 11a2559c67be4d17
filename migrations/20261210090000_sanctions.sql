-- Sanctions on commenters (issue 17): a ban (their new comments go to
-- spam, silently), a timed suspension (refused, told until when) or a
-- hold for review (their new comments wait in the queue), on one email,
-- an email domain (and its subdomains) or an address range, on one site
-- or every site, until revoked or until `expires_at`.
--
-- `match_key` is what a submission looks up: for an email, a keyed hash
-- of the normalized address (so an erasure can forget `target`, the
-- address as moderators see it, and the ban still holds); for a domain,
-- its ASCII (punycode) form. A range is matched by `network`.
create table sanctions (
    id          bigint generated always as identity primary key,
    site_id     text references sites (id) on delete cascade,
    kind        text not null constraint sanctions_kind_check
                check (kind in ('ban', 'suspend', 'hold')),
    target_type text not null constraint sanctions_target_type_check
                check (target_type in ('email', 'domain', 'network')),
    target      text constraint sanctions_target_length check (char_length(target) <= 320),
    match_key   text,
    network     cidr,
    reason      text constraint sanctions_reason_length check (char_length(reason) <= 500),
    -- The category of the decisions it makes (its rejections).
    reason_category text not null default 'other' constraint sanctions_reason_category_check
                check (reason_category in ('spam', 'abuse', 'hate', 'off_topic', 'misinformation',
                                           'personal_data', 'legal', 'other')),
    created_by  bigint references moderators (id) on delete set null,
    created_at  timestamptz not null default now(),
    expires_at  timestamptz,
    revoked_at  timestamptz,
    revoked_by  bigint references moderators (id) on delete set null,
    constraint sanctions_target_check check (
        case target_type
            when 'network' then network is not null and match_key is null
            else match_key is not null and network is null
        end),
    constraint sanctions_suspension_ends check (kind <> 'suspend' or expires_at is not null)
);
create index sanctions_key_idx on sanctions (match_key) where revoked_at is null and match_key is not null;
create index sanctions_network_idx on sanctions using gist (network inet_ops) where revoked_at is null and network is not null;
