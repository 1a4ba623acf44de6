create table month_closes (
    id integer primary key,
    period text not null,
    issue integer not null,
    metric text not null,
    closed_at text not null,
    closed_by text not null,
    override_reason text,
    data_fingerprint text not null,
    file_ids text not null,
    rules_version integer,
    reconciliation text not null default '[]',
    reopened_at text,
    reopened_by text,
    reopen_reason text
);
create unique index month_closes_one_open on month_closes(period) where reopened_at is null;
create table close_totals (
    close_id integer not null references month_closes(id),
    team text not null,
    provider text not null,
    currency text not null,
    source_period text not null,
    kind text not null,
    amount text not null
);
create index close_totals_close on close_totals(close_id);
create table closed_statements (
    id integer primary key,
    close_id integer not null references month_closes(id),
    team text not null,
    number text not null,
    format text not null,
    path text not null,
    sha256 text not null,
    content_hash text not null
);
create index closed_statements_close on closed_statements(close_id, team);
