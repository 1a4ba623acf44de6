create table org_versions (
    id integer primary key,
    created_at text not null,
    author text not null,
    comment text not null default '',
    yaml text not null
);
create table rule_versions (
    id integer primary key,
    created_at text not null,
    author text not null,
    comment text not null default '',
    effective_from text,
    yaml text not null
);
