-- Measured usage in the lake (lib.store.usage): one file per (source, metric, cluster, period) and run.
create table usage_files (
    id integer primary key,
    run_id integer not null references ingest_runs(id),
    source text not null,
    metric text not null,
    cluster text not null default '',
    period text not null,
    path text not null unique,
    rows integer not null,
    active integer not null default 1
);
create index usage_files_active on usage_files(active, period);
-- A closed month pins the usage files its allocation read, beside its charge files.
alter table period_pins add column usage_file_ids text not null default '';
