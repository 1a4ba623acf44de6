"""Login sessions kept on the server, so that a cookie can be revoked: logout, a new password, a disabled account.

streamlit-authenticator remembers a login in a signed cookie that the browser's JavaScript sets
(so it cannot be HttpOnly) and that, by itself, stays valid until it expires whatever happens on
the server. Costbook puts a random session token into that cookie and keeps the token's SHA-256
here: a cookie logs in only while its session exists, belongs to the same user, has not expired
and was not revoked. Logging out revokes that session; a password reset or disabling the
account revokes every session of the user. `now` is injectable (unix seconds) for tests.

>>> token = start(store, "dana", hours=12)          # doctest: +SKIP
>>> valid(store, token, "dana"), revoke(store, token), valid(store, token, "dana")   # doctest: +SKIP
(True, None, False)
"""

import hashlib
import secrets
import time

from lib.store.state import Store, state


def _id(token: str) -> str:
    return hashlib.sha256(str(token).encode()).hexdigest()


def start(store: Store, username: str, hours: float, now: float | None = None) -> str:
    """A new session; returns the token the cookie carries (only its hash is stored)."""
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(32)
    with state(store, write=True, durable=False) as db:
        db.execute("insert into sessions (id, username, created_at, expires_at) values (?, ?, ?, ?)",
                   (_id(token), username, now, now + hours * 3600))
        db.execute("delete from sessions where expires_at < ?", (now - 86400,))  # keep the table small
    return token


def valid(store: Store, token: str | None, username: str, now: float | None = None) -> bool:
    if not token:
        return False
    now = time.time() if now is None else now
    with state(store) as db:
        row = db.execute("select username, expires_at, revoked_at from sessions where id = ?", (_id(token),)).fetchone()
    return bool(row and row[0] == username and row[1] > now and row[2] is None)


def revoke(store: Store, token: str | None, why: str = "logout", now: float | None = None) -> None:
    if token:
        with state(store, write=True, durable=False) as db:
            db.execute("update sessions set revoked_at = ?, why = ? where id = ? and revoked_at is null",
                       (time.time() if now is None else now, why, _id(token)))


def revoke_all(store: Store, username: str, why: str, db=None, now: float | None = None) -> int:
    """End every session of a user (pass `db` to make it part of the caller's write transaction)."""
    values = (time.time() if now is None else now, why, username)
    sql = "update sessions set revoked_at = ?, why = ? where username = ? and revoked_at is null"
    if db is not None:
        return db.execute(sql, values).rowcount
    with state(store, write=True) as own:
        return own.execute(sql, values).rowcount
