-- Triage learns: 'recurring' marks a cause that comes back at the same point of the month, and the
-- pattern (day of month or days before month end) of the anomaly is kept with the decision.
create table anomaly_triage_new (
    anomaly_key text primary key,
    cause text not null,
    team text not null,
    department text not null,
    start_date text not null,
    state text not null check (state in ('new', 'acknowledged', 'expected', 'recurring', 'resolved')),
    comment text not null default '',
    updated_at text not null,
    updated_by text not null,
    pattern text not null default ''
);
insert into anomaly_triage_new (anomaly_key, cause, team, department, start_date, state, comment, updated_at,
                                updated_by)
select anomaly_key, cause || '|', team, department, start_date, state, comment, updated_at, updated_by
from anomaly_triage;
drop table anomaly_triage;
alter table anomaly_triage_new rename to anomaly_triage;
create index anomaly_triage_cause on anomaly_triage(cause, state);
