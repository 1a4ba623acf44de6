create table budgets (
    id integer primary key,
    scope text not null check (scope in ('team', 'department')),
    owner text not null,
    period text not null,
    amount text not null,
    currency text not null,
    thresholds text not null default '50,80,100',
    forecast_thresholds text not null default '100',
    updated_at text not null,
    updated_by text not null,
    unique (scope, owner, period)
);
create table budget_comments (
    id integer primary key,
    scope text not null,
    owner text not null,
    period text not null,
    at text not null,
    author text not null,
    text text not null
);
create index budget_comments_budget on budget_comments(scope, owner, period);
create table deliveries (
    id integer primary key,
    kind text not null,
    key text not null,
    channel text not null,
    recipient text not null,
    subject text not null default '',
    body text not null default '',
    department text,
    status text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'failed')),
    attempts integer not null default 0,
    last_error text not null default '',
    created_at text not null,
    tried_at text,
    sent_at text,
    unique (key, channel, recipient)
);
create index deliveries_status on deliveries(status, kind);
