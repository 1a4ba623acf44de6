"""Where Costbook keeps things: a Parquet lake for charges, SQLite for state, DuckDB to query.

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

>>> store = open_store(tmp_path)                       # doctest: +SKIP
>>> con = engine(store); con.sql("select count(*) from charges")  # doctest: +SKIP
"""

import fcntl
import json
import os
import shutil
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lib import crypto, focus

SCHEMA_DIR = Path(__file__).parent / "schema"
IMPORT_LOCK = ".imports.lock"
INTERRUPTED = "the import stopped before it finished (process killed or crashed); the previous data stayed served"


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


@contextmanager
def state(store: Store, write: bool = False):
    """A SQLite connection; with write=True the block runs in one IMMEDIATE transaction."""
    db = connect_state(store.state_path)
    try:
        if write:
            db.execute("begin immediate")
            try:
                yield db
            except BaseException:
                db.execute("rollback")
                raise
            db.execute("commit")
        else:
            yield db
    finally:
        db.close()


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply the lib/schema/NNN_name.sql files not applied yet, in name order, each in its own transaction."""
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


_duck_lock = threading.Lock()


def new_duck(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection set up for UTC and this machine."""
    con = duckdb.connect(":memory:")
    con.execute("set timezone = 'UTC'")
    crypto.prepare_duck(con)  # registers the lake key when the data is encrypted
    if threads:
        con.execute(f"set threads = {int(threads)}")
    return con


def parquet_source(files: list[str]) -> str:
    """SQL for reading lake files with the lake schema (an empty lake reads as zero rows)."""
    if not files:
        cols = ", ".join(f"cast(null as {typ}) as {name}" for name, typ, _ in focus.COLUMNS)
        return f"(select {cols} where false)"
    quoted = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    return f"read_parquet([{quoted}], {crypto.parquet_read_options()})"


def lake_groups(store: Store, files: list[str]) -> dict[tuple[str, ...], list[str]]:
    """Lake files grouped by the tag keys promoted in them (lib.tag_columns), from the manifest.

    Files of a group have the same columns; an encrypted lake cannot read files of different
    columns in one read_parquet, so readers read each group and union them.
    """
    with state(store) as db:
        rows = db.execute("select path, promoted_tags from lake_files").fetchall()
    known = {str(store.lake / path): tuple(k for k in keys.split(",") if k) for path, keys in rows}
    groups: dict[tuple[str, ...], list[str]] = {}
    for f in files:
        groups.setdefault(known.get(f, ()), []).append(f)
    return groups


def lake_source(store: Store, files: list[str]) -> str:
    """SQL (a FROM item) reading lake files with exactly the lake columns, whatever tags they promote."""
    groups = lake_groups(store, files)
    if not groups:
        return parquet_source([])
    return "(" + " union all ".join(f"select {_LAKE} from {parquet_source(g)}" for g in groups.values()) + ")"


_LAKE = ", ".join(name for name, _, _ in focus.COLUMNS)


def engine(store: Store, con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection whose view `charges` reads the active lake files.

    Call again after an ingest: the view is rebuilt only when the data version changed.
    """
    con = con or new_duck()
    version = data_version(store)
    with _duck_lock:
        con.execute("create table if not exists _costbook_meta (key varchar primary key, value varchar)")
        current = con.execute("select value from _costbook_meta where key = 'data_version'").fetchone()
        if current is None or current[0] != str(version):
            con.execute(f"create or replace view charges as select * from {lake_source(store, active_files(store))}")
            con.execute("insert or replace into _costbook_meta values ('data_version', ?)", [str(version)])
    return con


def is_empty(store: Store) -> bool:
    """True before the first successful ingest (the app then offers the demo company)."""
    return data_version(store) == 0


class ImportGuard:
    """Held for the whole of an import or refresh; the first thing each one takes.

    Every import holds a shared lock on lake/staging/.imports.lock, which the OS drops when
    its process dies, even by SIGKILL. An import that can take the lock exclusively knows no
    other is running, so whatever a run left behind is a dead process's: it calls
    recover_interrupted first, then keeps a shared lock like the others. Guards nest (a
    refresh holds one around the import it runs); use as a context manager or keep the object
    alive for the duration (the lock goes with it).

    >>> with ImportGuard(store):                          # doctest: +SKIP
    ...     ingest(store, con, inputs, source="focus")
    """

    def __init__(self, store: Store):
        self.recovered: list[int] | None = None  # the runs marked interrupted, when this guard cleaned up
        self.fd: int | None = None
        self.fd = os.open(store.lake / "staging" / IMPORT_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # another import is running: its run and staging folder are alive
        else:
            try:
                self.recovered = recover_interrupted(store)
            except BaseException:
                self.close()
                raise
        fcntl.flock(self.fd, fcntl.LOCK_SH)  # waits while another guard is cleaning up

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        self.close()


def recover_interrupted(store: Store) -> list[int]:
    """Mark runs left 'running' as 'interrupted' and remove what they left; call only with no import running.

    A killed run never reached its swap's transaction, so none of its files are in the
    manifest: the ones it had already moved into lake/charges are deleted, and so is
    everything in lake/staging (its working folders). Returns the run ids marked.
    """
    with state(store, write=True) as db:
        ids = [r[0] for r in db.execute("select id from ingest_runs where outcome = 'running' order by id")]
        db.execute("update ingest_runs set outcome = 'interrupted', problems = ?, "
                   "finished_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now') where outcome = 'running'",
                   (json.dumps([INTERRUPTED]),))
        kept = {r[0] for r in db.execute(f"select path from lake_files where run_id in ({', '.join('?' * len(ids))})",
                                         ids)}
    for run in ids:
        for path in (store.lake / "charges").glob(f"*/*/*/run-{run}-*.parquet"):
            if path.relative_to(store.lake).as_posix() not in kept:
                path.unlink(missing_ok=True)
    for entry in (store.lake / "staging").iterdir():
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name != IMPORT_LOCK:
            entry.unlink(missing_ok=True)
    return ids
