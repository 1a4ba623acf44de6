create table allocation_cache (
    period text not null,
    cache_key text not null,
    path text not null,
    created_at text not null,
    seconds real,
    primary key (period, cache_key)
);
-- A closed month pins the lake files and the rules/org versions it was closed with.
create table period_pins (
    period text primary key,
    file_ids text not null,
    rules_version integer,
    org_version integer,
    pinned_at text not null
);
