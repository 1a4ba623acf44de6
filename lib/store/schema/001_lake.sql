create table ingest_runs (
    id integer primary key,
    source text not null,
    label text not null,
    started_at text not null,
    finished_at text,
    outcome text not null default 'running',
    rows integer not null default 0,
    periods text not null default '',
    totals text not null default '{}',
    problems text not null default '[]',
    actor text not null default 'system',
    duration_s real
);
create table lake_files (
    id integer primary key,
    run_id integer not null references ingest_runs(id),
    source text not null,
    billing_account_id text not null,
    period text not null,
    path text not null unique,
    rows integer not null,
    active integer not null default 1
);
create index lake_files_active on lake_files(active, period);
create table settings (
    key text primary key,
    value text not null
);
