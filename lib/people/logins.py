"""Login attempts and lockout: 5 failures in 15 minutes lock the account (and the client) for 15 minutes.

Failures are counted per typed username (known or not, so a lock never tells whether a
user exists) and per client address. A success or an admin's unlock starts the count
afresh. `now` is injectable (unix seconds) so tests can move the clock.

The client address is the one Streamlit sees (`client_address`): a client cannot choose it by
sending an X-Forwarded-For header. Behind a reverse proxy on another machine, list the proxy in
`[costbook] trusted_proxies` (or COSTBOOK_TRUSTED_PROXIES, comma-separated addresses or
networks); then the address is the last hop of X-Forwarded-For that is not a trusted proxy
(what the proxy itself saw), never a hop the client wrote. A proxy on the same machine needs
nothing: Streamlit's server already reads its header that way for connections from 127.0.0.1.

>>> client_address("198.51.100.7", "10.9.9.9, 10.9.9.10", [])
'198.51.100.7'
>>> client_address("10.0.0.5", "10.9.9.9, 203.0.113.4", [ipaddress.ip_network("10.0.0.0/24")])
'203.0.113.4'

>>> record_login(store, "dana", "10.0.0.7", ok=False, now=1000.0)   # doctest: +SKIP
>>> locked(store, "dana", "10.0.0.7", now=1001.0)                  # doctest: +SKIP
"""

import hashlib
import ipaddress
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from lib.core import access
from lib.store import audit, secret
from lib.store.state import Store, state

MAX_FAILURES = 5
WINDOW_S = 15 * 60
LOCK_S = 15 * 60


@dataclass(frozen=True)
class Lock:
    key: str  # a username, or "client:<address>"
    until: float

    @property
    def until_text(self) -> str:
        return datetime.fromtimestamp(self.until, UTC).strftime("%H:%M UTC")


def trusted_proxies() -> list:
    """The reverse proxies whose X-Forwarded-For is believed ([costbook] trusted_proxies); a bad entry raises ValueError."""
    raw = os.environ.get("COSTBOOK_TRUSTED_PROXIES") or secret.section("costbook").get("trusted_proxies") or []
    items = raw.split(",") if isinstance(raw, str) else raw
    return [ipaddress.ip_network(str(item).strip(), strict=False) for item in items if str(item).strip()]


def _trusted(address: str, networks: list) -> bool:
    try:
        return any(ipaddress.ip_address(address) in n for n in networks)
    except ValueError:
        return False


def client_address(peer: str | None, forwarded: str | None, trusted: list) -> str:
    """The address failures are counted under: the peer Streamlit sees ('local' for 127.0.0.1 and ::1,
    which it reports as None), or, when that peer is a trusted proxy, the last untrusted X-Forwarded-For hop."""
    address = peer or "local"
    if not trusted or not forwarded or not _trusted(peer or "127.0.0.1", trusted):
        return address
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not _trusted(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return address  # not an address: the proxy did not write it
    return address


def _now(now: float | None) -> float:
    return time.time() if now is None else now


def _key(db, username: str) -> str:
    """The name attempts are counted under: unknown names are hashed, because people sometimes
    type their password into the username field and it must not end up in the store or the trail."""
    if db.execute("select 1 from users where username = ?", (username,)).fetchone():
        return username
    return "unknown:" + hashlib.sha256(username.encode()).hexdigest()[:16]


def _active_lock(db, key: str, now: float) -> Lock | None:
    row = db.execute("select locked_until from user_locks where username = ? and locked_until > ?", (key, now)).fetchone()
    return Lock(key, row[0]) if row else None


def locked(store: Store, username: str, client: str = "", now: float | None = None) -> str | None:
    """Why this login may not be tried now, or None. The message names no other user."""
    now = _now(now)
    with state(store) as db:
        lock = _active_lock(db, _key(db, username), now) or (client and _active_lock(db, f"client:{client}", now))
    if not lock:
        return None
    return (f"Too many failed logins: login is locked until {lock.until_text}. "
            "Try again later or ask an admin to unlock it.")


def _failures(db, column: str, value: str, now: float) -> int:
    sql = (f"select count(*) from login_attempts where {column} = ? and outcome = 'failure' and at > ? "
           f"and at > coalesce((select max(at) from login_attempts where {column} = ? "
           "and outcome in ('success', 'unlock')), 0)")
    return db.execute(sql, (value, now - WINDOW_S, value)).fetchone()[0]


def record_login(store: Store, username: str, client: str, ok: bool, now: float | None = None,
                 method: str = "password", reason: str = "") -> str | None:
    """Record an attempt (and its audit entry); returns the lock message when this failure locks."""
    now, outcome = _now(now), "success" if ok else ("locked" if reason == "locked" else "failure")
    with state(store, write=True) as db:
        key = _key(db, username)
        db.execute("insert into login_attempts (at, username, client, outcome) values (?, ?, ?, ?)",
                   (now, key, client, outcome))
        details = {"client": client, "method": method} | ({"reason": reason} if reason else {})
        audit.record(store, key, "login.success" if ok else "login.failure", key, details, db=db)
        if outcome != "failure":
            return None
        new_locks = []
        if _failures(db, "username", key, now) >= MAX_FAILURES:
            new_locks.append(key)
        if client and _failures(db, "client", client, now) >= MAX_FAILURES:
            new_locks.append(f"client:{client}")
        for key in new_locks:
            db.execute("insert or replace into user_locks (username, locked_until) values (?, ?)", (key, now + LOCK_S))
            audit.record(store, "system", "login.lock", key, {"until": now + LOCK_S}, db=db)
    return locked(store, username, client, now) if new_locks else None


def record_logout(store: Store, user: access.User) -> None:
    audit.record(store, user, "logout", user.username)


def current_locks(store: Store, actor: access.User, now: float | None = None) -> list[Lock]:
    access.require(actor, "manage_users")
    with state(store) as db:
        rows = db.execute("select username, locked_until from user_locks where locked_until > ? order by 1",
                          (_now(now),)).fetchall()
    return [Lock(k, u) for k, u in rows]


def unlock(store: Store, actor: access.User, key: str, now: float | None = None) -> bool:
    """Lift a lock on a username or "client:<address>" and restart its failure count."""
    access.require(actor, "manage_users")
    now = _now(now)
    with state(store, write=True) as db:
        gone = db.execute("delete from user_locks where username = ?", (key,)).rowcount
        is_client = key.startswith("client:")
        user, client = ("", key.removeprefix("client:")) if is_client else (key, "")
        db.execute("insert into login_attempts (at, username, client, outcome) values (?, ?, ?, 'unlock')",
                   (now, user, client))
        audit.record(store, actor, "user.unlock", key, {"was_locked": bool(gone)}, db=db)
    return bool(gone)
