"""The store: where Costbook keeps things, and the SQLite state store (manifest, runs, config, audit).

    data/
      lake/charges/source=<s>/account=<a>/period=YYYY-MM/<run>.parquet   immutable charge files
      lake/derived/...                                                   caches (allocation)
      state.db                                                           SQLite: manifest, runs, config

A refresh writes new files first, then swaps them in by updating the manifest in one
SQLite transaction, so a crash before the swap leaves the old data served. DuckDB reads
only the files the manifest marks active. SQLite (WAL, busy timeout) is safe for the app
and the CLI to use at the same time; DuckDB is opened in memory by each process. What a
killed import leaves behind (a run still 'running', staging folders, files moved into the
lake but never swapped in) is cleaned by the next import that finds no other one running
(see ImportGuard).

lib.store.lake reads the lake with DuckDB; lib.store.guard keeps imports from tripping over each other.

>>> store = open_store(tmp_path)                       # doctest: +SKIP
"""

import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lib.store import crypto

SCHEMA_DIR = Path(__file__).parent / "schema"


@dataclass(frozen=True)
class Store:
    data_dir: Path

    @property
    def lake(self) -> Path:
        return self.data_dir / "lake"

    @property
    def state_path(self) -> Path:
        return self.data_dir / "state.db"


def default_data_dir() -> Path:
    return Path(os.environ.get("COSTBOOK_DATA_DIR", "data"))


def open_store(data_dir: Path | str | None = None) -> Store:
    """Open (creating if needed) the store in data_dir and bring its schema up to date."""
    store = Store(Path(data_dir) if data_dir else default_data_dir())
    (store.lake / "charges").mkdir(parents=True, exist_ok=True)
    (store.lake / "staging").mkdir(parents=True, exist_ok=True)
    with state(store) as db:
        migrate(db)
    return store


def connect_state(path: Path) -> sqlite3.Connection:
    db = crypto.open_sqlite(path, timeout=30)  # sqlite3, or SQLCipher when a data key is configured
    db.execute("pragma journal_mode=wal")
    db.execute("pragma busy_timeout=30000")
    db.execute("pragma foreign_keys=on")
    return db


_AFTER_COMMIT: dict[int, list] = {}  # connection id -> what to do once its write transaction committed


def after_commit(db, fn) -> None:
    """Run fn after the write transaction of `db` (a connection from state(write=True)) commits; never on rollback."""
    _AFTER_COMMIT.setdefault(id(db), []).append(fn)


@contextmanager
def state(store: Store, write: bool = False, durable: bool = True):
    """A SQLite connection; with write=True the block runs in one IMMEDIATE transaction.

    durable=False skips the fsync per commit (WAL, synchronous=normal): a crash loses nothing, a power
    cut may lose the last commits. Only for logs whose loss costs a repeat, never money or config.
    """
    db = connect_state(store.state_path)
    try:
        if not durable:
            db.execute("pragma synchronous = normal")
        if write:
            db.execute("begin immediate")
            try:
                yield db
            except BaseException:
                db.execute("rollback")
                raise
            db.execute("commit")
            for fn in _AFTER_COMMIT.pop(id(db), []):
                fn()
        else:
            yield db
    finally:
        _AFTER_COMMIT.pop(id(db), None)
        db.close()


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply the lib/store/schema/NNN_name.sql files not applied yet, in name order, each in its own transaction."""
    db.execute("create table if not exists schema_migrations (name text primary key, applied_at text not null)")
    done = {r[0] for r in db.execute("select name from schema_migrations")}
    applied = []
    for path in sorted(SCHEMA_DIR.glob("*.sql")):
        if path.name in done:
            continue
        db.execute("begin immediate")
        try:
            if db.execute("select 1 from schema_migrations where name = ?", (path.name,)).fetchone():
                db.execute("rollback")  # another process applied it meanwhile
                continue
            for statement in statements(path.read_text()):
                db.execute(statement)
            db.execute("insert into schema_migrations values (?, datetime('now'))", (path.name,))
            db.execute("commit")
        except BaseException:
            db.execute("rollback")
            raise
        applied.append(path.name)
    return applied


def statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (triggers keep their inner semicolons)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def data_version(store: Store) -> int:
    """Changes on every ingest: caches of derived data key on it."""
    with state(store) as db:
        return db.execute("select coalesce(max(id), 0) from ingest_runs where outcome = 'ok'").fetchone()[0]


def period_versions(store: Store) -> dict[str, str]:
    """Per billing period, a fingerprint of the active lake files: changes only when that period is replaced."""
    with state(store) as db:
        rows = db.execute(
            "select period, group_concat(id, '.') from (select period, id from lake_files where active = 1 "
            "order by period, id) group by period"
        ).fetchall()
    return {period: ids for period, ids in rows}


def active_files(store: Store, periods: list[str] | None = None) -> list[str]:
    with state(store) as db:
        rows = db.execute("select period, path from lake_files where active = 1 order by period, path").fetchall()
    return [str(store.lake / path) for period, path in rows if periods is None or period in periods]
















def is_empty(store: Store) -> bool:
    """True before the first successful ingest (the app then offers the demo company)."""
    return data_version(store) == 0


def now_iso() -> str:
    """Now in UTC as the state store writes times: '2026-12-01T09:30:00+00:00'."""
    return datetime.now(UTC).isoformat(timespec="seconds")
