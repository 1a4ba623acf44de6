-- Runs of the scheduled jobs whose runs nothing else records (`alerts check`; refresh runs are
-- ingest_runs): the health checks' dead man's switch reads them (lib.alerts.jobs).
create table job_runs (
    id integer primary key,
    job text not null,
    started_at text not null,
    finished_at text,
    outcome text not null default 'running',
    summary text not null default '',
    duration_s real
);
create index job_runs_job on job_runs(job, id);
-- A health incident: from the run a check starts failing to the run it no longer does (lib.alerts.incidents).
create table health_incidents (
    id integer primary key,
    check_name text not null,
    opened_at text not null,
    reason text not null,
    resolved_at text,
    resolution text not null default ''
);
create unique index health_incidents_open on health_incidents(check_name) where resolved_at is null;
