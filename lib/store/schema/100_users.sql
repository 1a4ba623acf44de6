create table users (
    username text primary key,
    name text not null default '',
    email text not null default '',
    role text not null,
    departments text not null default '',
    password_hash text,
    disabled integer not null default 0,
    demo integer not null default 0,
    created_at text not null,
    updated_at text not null
);
create table login_attempts (
    id integer primary key,
    at real not null,
    username text not null,
    client text not null default '',
    outcome text not null
);
create index login_attempts_user on login_attempts(username, at);
create index login_attempts_client on login_attempts(client, at);
create table user_locks (
    username text primary key,
    locked_until real not null
);
