"""Whether the app may start: cookie key, demo mode and demo passwords, checked before any login.

Outside demo mode the app refuses to start while the cookie key is missing, short or a known
default, or while an enabled demo user still has the demo password; each message says what to
change. In demo mode a random cookie key is generated once per install, in the data folder.

>>> KNOWN_DEFAULTS[0]
'some_key'
"""

import os
import secrets

from lib.store import crypto, secret
from lib.store.state import Store, state

DEMO_SETTING = "demo_mode"
MIN_COOKIE_KEY = 32
KNOWN_DEFAULTS = ("some_key", "change-me", "changeme", "secret", "replace-with-a-long-random-string")
DEFAULT_SESSION_HOURS = 12.0


def demo_mode(store: Store) -> bool:
    """True when the demo build flagged the store, or COSTBOOK_DEMO=1."""
    if os.environ.get("COSTBOOK_DEMO") == "1":
        return True
    with state(store) as db:
        row = db.execute("select value from settings where key = ?", (DEMO_SETTING,)).fetchone()
    return bool(row and row[0] == "1")


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
    with state(store) as db:
        demo = [r[0] for r in db.execute("select username from users where demo = 1 and disabled = 0 order by 1")]
    if demo:
        problems.append(f"demo users still have the demo password ({', '.join(demo)}): reset their passwords "
                        "(python -m lib users reset-password NAME) or disable them, or run in demo mode")
    return problems
