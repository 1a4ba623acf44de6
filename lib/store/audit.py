"""The audit trail: append-only, hash-chained entries of every money-relevant change.

Each entry's hash covers its content and the previous entry's hash, so an edited,
deleted or reordered entry breaks the chain from that point (`verify`). lib.store.anchor ties
the chain to what the state store's writers cannot change: an HMAC key and/or a head file.

>>> record(store, user, "rules.save", "version 4", {"comment": "split support"})   # doctest: +SKIP
"""

import hashlib
import json
from dataclasses import dataclass

from lib.core.access import User, require
from lib.core.exports import write_csv
from lib.store import anchor
from lib.store.state import Store, after_commit, now_iso, state

GENESIS = "0" * 64


def entry_hash(prev: str, at: str, actor: str, action: str, target: str, details: str) -> str:
    payload = json.dumps([prev, at, actor, action, target, details], separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def record(store: Store, user: User | str, action: str, target: str = "", details: dict | None = None,
           db=None) -> int:
    """Append an entry; pass `db` to make it part of the caller's write transaction."""
    actor = user.username if isinstance(user, User) else str(user)
    text = json.dumps(details or {}, sort_keys=True, default=str)
    if db is None:
        with state(store, write=True) as own:
            return _append(own, actor, action, target, text)
    return _append(db, actor, action, target, text)


def _append(db, actor: str, action: str, target: str, details: str) -> int:
    last = db.execute("select hash from audit_log order by id desc limit 1").fetchone()
    prev = last[0] if last else GENESIS
    at = now_iso()
    digest = entry_hash(prev, at, actor, action, target, details)
    k = anchor.key()
    cur = db.execute(
        "insert into audit_log (at, actor, action, target, details, prev_hash, hash, mac) values (?, ?, ?, ?, ?, ?, ?, ?)",
        (at, actor, action, target, details, prev, digest, anchor.mac(k, "entry", digest) if k else None),
    )
    # The head (last id and hash) lets verify notice entries deleted from the end of the chain.
    entry_id = cur.lastrowid
    db.execute("insert or replace into settings (key, value) values ('audit_head', ?)",
               (anchor.head_value(entry_id, digest),))
    if db.in_transaction:  # the head file moves only once the entry is committed
        after_commit(db, lambda: anchor.write_head(entry_id, digest))
    else:
        anchor.write_head(entry_id, digest)
    return entry_id


def verify(store: Store) -> list[str]:
    """Problems in the chain, each naming the entry; an empty list means the trail is intact."""
    problems, prev, expected_id, anchored = [], GENESIS, None, []
    with state(store) as db:
        rows = db.execute("select id, at, actor, action, target, details, prev_hash, hash, mac from audit_log "
                          "order by id")
        for id_, at, actor, action, target, details, prev_hash, digest, entry_mac in rows:
            anchored.append((id_, digest, entry_mac))
            if expected_id is not None and id_ != expected_id:
                problems.append(f"entries {expected_id}..{id_ - 1} are missing (deleted)")
            if prev_hash != prev:
                problems.append(f"entry {id_}: does not follow the entry before it (deleted or reordered)")
            if entry_hash(prev_hash, at, actor, action, target, details) != digest:
                problems.append(f"entry {id_}: content was changed after it was written")
            prev, expected_id = digest, id_ + 1
        head = db.execute("select value from settings where key = 'audit_head'").fetchone()
    if head is not None:
        head_id, head_hash = head[0].split(":")[:2]
        last_id = (expected_id or 1) - 1
        if int(head_id) > last_id:
            problems.append(f"entries {last_id + 1}..{head_id} are missing (deleted from the end)")
        elif int(head_id) == last_id and head_hash != prev:
            problems.append(f"entry {head_id}: does not match the recorded head of the trail")
    return problems + anchor.check(anchored, head[0] if head else None, store.data_dir)


def anchors(store: Store) -> str:
    """What the trail is anchored by (or that it is not), for verify's answer."""
    return anchor.describe()


@dataclass(frozen=True)
class Entry:
    id: int
    at: str
    actor: str
    action: str
    target: str
    details: str


ENTRY_FIELDS = ("id", "at", "actor", "action", "target", "details")


def entries(store: Store, user: User, since: str | None = None, until: str | None = None, actor: str = "",
            action: str = "", limit: int = 10_000) -> list[Entry]:
    """Entries, newest first, filtered by date ('YYYY-MM-DD', inclusive), actor and action prefix.

    >>> entries(store, admin, action="user.")            # doctest: +SKIP
    [Entry(id=12, at='2026-11-27T10:01:00+00:00', actor='ada', action='user.add', ...)]
    """
    require(user, "read_audit")
    sql = ("select id, at, actor, action, target, details from audit_log where (? is null or at >= ?) "
           "and (? is null or at < date(?, '+1 day')) and (? = '' or actor = ?) and (? = '' or action like ? || '%') "
           "order by id desc limit ?")
    with state(store) as db:
        rows = db.execute(sql, (since, since, until, until, actor, actor, action, action, limit)).fetchall()
    return [Entry(*r) for r in rows]


def actions(store: Store, user: User) -> list[str]:
    """The distinct actions in the trail, for a filter."""
    require(user, "read_audit")
    with state(store) as db:
        return [r[0] for r in db.execute("select distinct action from audit_log order by 1")]


def export_csv(store: Store, user: User, out, **filters) -> int:
    """Write the filtered entries as CSV to a text stream; the export itself is audited."""
    found = entries(store, user, **filters)
    write_csv(out, ENTRY_FIELDS, ((e.id, e.at, e.actor, e.action, e.target, e.details) for e in found))
    record(store, user, "audit.export", "", {"filters": filters, "entries": len(found)})
    return len(found)
