"""The lake as DuckDB reads it: in-memory connections, the `charges` view over the active Parquet files.

Each process opens DuckDB in memory and reads the lake files the manifest marks active
(lib.store.state); nothing holds a DuckDB file open, so the app and the CLI run at once.

>>> con = engine(store); con.sql("select count(*) from charges")  # doctest: +SKIP
"""

import threading

import duckdb

from lib.core import focus
from lib.core.sql import literal_list
from lib.store import crypto
from lib.store.state import Store, active_files, data_version, state

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
    return f"read_parquet({literal_list(files)}, {crypto.parquet_read_options()})"


def lake_groups(store: Store, files: list[str]) -> dict[tuple[str, ...], list[str]]:
    """Lake files grouped by the tag keys promoted in them (lib.store.tags), from the manifest.

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
