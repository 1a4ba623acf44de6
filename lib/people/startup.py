"""Whether the app may start: cookie key, demo mode and demo passwords, checked before any login.

Outside demo mode the app refuses to start while the cookie key is missing, short or a known
default, or while an enabled demo user still has the demo password; each message says what to
change. In demo mode a random cookie key is generated once per install, in the data folder.

Demo mode holds only while every billing charge served came from the demo generator: once a
real bill is imported or refreshed, the flag (and COSTBOOK_DEMO=1) no longer counts and the
checks run again. `python -m lib demo --leave` ends demo mode on purpose (leave_demo_mode).

>>> KNOWN_DEFAULTS[0]
'some_key'
"""

import os
import secrets

from lib.core import access
from lib.people import logins
from lib.sources.refresh import DEMO_SOURCE
from lib.store import anchor, audit, crypto, secret
from lib.store.state import Store, now_iso, state

DEMO_SETTING = "demo_mode"
MIN_COOKIE_KEY = 32
KNOWN_DEFAULTS = ("some_key", "change-me", "changeme", "secret", "replace-with-a-long-random-string")
DEFAULT_SESSION_HOURS = 12.0


def real_sources(store: Store) -> list[str]:
    """Sources of served charges that did not come from the demo generator."""
    with state(store) as db:
        return [r[0] for r in db.execute("select distinct source from lake_files where active = 1 and source <> ? "
                                         "order by 1", (DEMO_SOURCE,))]


def demo_flagged(store: Store) -> bool:
    """The demo build set the flag, or COSTBOOK_DEMO=1 (whether or not real data is served since)."""
    if os.environ.get("COSTBOOK_DEMO") == "1":
        return True
    with state(store) as db:
        row = db.execute("select value from settings where key = ?", (DEMO_SETTING,)).fetchone()
    return bool(row and row[0] == "1")


def demo_mode(store: Store) -> bool:
    """True when the store is flagged as the demo (or COSTBOOK_DEMO=1) and serves only demo charges."""
    return demo_flagged(store) and not real_sources(store)


def set_demo_mode(store: Store, on: bool = True, db=None) -> None:
    """The demo build calls this (pass its write transaction as db to commit together)."""
    sql = "insert or replace into settings (key, value) values (?, ?)"
    if db is not None:
        db.execute(sql, (DEMO_SETTING, "1" if on else "0"))
        return
    with state(store, write=True) as own:
        own.execute(sql, (DEMO_SETTING, "1" if on else "0"))


def session_hours() -> float:
    """How long a login lasts (cookie and server side): [costbook] session_hours, default 12."""
    raw = secret.value("session_hours")
    try:
        return float(raw) if raw else DEFAULT_SESSION_HOURS
    except ValueError:
        return DEFAULT_SESSION_HOURS


def _demo_cookie_key(store: Store) -> str:
    path = store.data_dir / ".cookie_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def cookie_key_problem(key: str | None) -> str | None:
    if key is None:
        return ("no cookie key is configured: set COSTBOOK_COOKIE_KEY or [costbook] cookie_key in "
                ".streamlit/secrets.toml to a random string of 32+ characters")
    if key.strip().lower() in KNOWN_DEFAULTS or len(key) < MIN_COOKIE_KEY:
        return ("the cookie key is a default or shorter than 32 characters: set COSTBOOK_COOKIE_KEY "
                "(or [costbook] cookie_key) to a random string, e.g. python -c \"import secrets; "
                "print(secrets.token_urlsafe(32))\"")
    return None


def cookie_key(store: Store) -> str:
    key = secret.value("cookie_key")
    if cookie_key_problem(key) and demo_mode(store):
        return _demo_cookie_key(store)
    return key or ""


def startup_problems(store: Store) -> list[str]:
    """Why the app must not start; [] when it may."""
    try:
        crypto.data_key()
    except crypto.DataKeyError as exc:
        return [str(exc)]  # nothing else can be read without the key
    if demo_mode(store):
        return []
    problems = []
    key_problem = cookie_key_problem(secret.value("cookie_key"))
    if key_problem:
        problems.append(key_problem)
    problems += [p for p in (anchor.key_problem(), anchor.head_file_problem(store.data_dir)) if p]
    try:
        logins.trusted_proxies()
    except ValueError as exc:
        problems.append(f"[costbook] trusted_proxies (COSTBOOK_TRUSTED_PROXIES) has an entry that is not an address "
                        f"or network: {exc}")
    with state(store) as db:
        demo = [r[0] for r in db.execute("select username from users where demo = 1 and disabled = 0 order by 1")]
    if demo:
        problems.append(f"demo users still have the demo password ({', '.join(demo)}): reset their passwords "
                        "(python -m lib users reset-password NAME) or disable them (python -m lib demo --leave "
                        "disables them all)")
    if problems and demo_flagged(store):
        problems.insert(0, f"demo mode is over: the store serves billing data that did not come from the demo "
                           f"generator (source {', '.join(real_sources(store))}), so the checks below apply")
    return problems


def leave_demo_mode(store: Store, actor) -> list[str]:
    """End demo mode: clear the flag and disable every demo user still on the demo password (audited).

    Returns the disabled usernames. Real users are added with `python -m lib users add`.
    """
    access.require(actor, "manage_users")
    with state(store, write=True) as db:
        names = [r[0] for r in db.execute("select username from users where demo = 1 and disabled = 0 order by 1")]
        db.execute("update users set disabled = 1, updated_at = ? where demo = 1", (now_iso(),))
        set_demo_mode(store, False, db=db)
        audit.record(store, actor, "demo.leave", "", {"disabled": names}, db=db)
    return names
