-- Which file content (SHA-256) each partition of a run came from: duplicates and unchanged re-imports (lib.sources.digests).
create table input_parts (
    run_id integer not null references ingest_runs(id),
    file text not null,
    sha256 text not null,
    billing_account_id text not null,
    period text not null
);
create index input_parts_sha on input_parts(sha256, billing_account_id, period);
create index input_parts_run on input_parts(run_id);
