-- Server-side login sessions: the browser's cookie carries a random token; only its SHA-256 is kept (lib.people.sessions).
create table sessions (
    id text primary key,
    username text not null,
    created_at real not null,
    expires_at real not null,
    revoked_at real,
    why text not null default ''
);
create index sessions_user on sessions(username);
