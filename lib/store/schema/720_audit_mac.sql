-- An HMAC of each entry's hash under the audit key from secrets (lib.store.anchor); null before a key was set.
alter table audit_log add column mac text;
