create table audit_log (
    id integer primary key,
    at text not null,
    actor text not null,
    action text not null,
    target text not null default '',
    details text not null default '{}',
    prev_hash text not null,
    hash text not null
);
create trigger audit_log_no_update before update on audit_log
begin
    select raise(abort, 'the audit trail is append-only');
end;
create trigger audit_log_no_delete before delete on audit_log
begin
    select raise(abort, 'the audit trail is append-only');
end;
