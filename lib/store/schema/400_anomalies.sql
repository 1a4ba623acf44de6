create table anomaly_triage (
    anomaly_key text primary key,
    cause text not null,
    team text not null,
    department text not null,
    start_date text not null,
    state text not null check (state in ('new', 'acknowledged', 'expected', 'resolved')),
    comment text not null default '',
    updated_at text not null,
    updated_by text not null
);
create index anomaly_triage_cause on anomaly_triage(cause, state);
