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


def parquet_source(files: list[str], row_ids: bool = False) -> str:
    """SQL for reading lake files with the lake schema (an empty lake reads as zero rows).

    With row_ids, every row also has its file (`filename`) and its row number in it (`file_row_number`).
    """
    ids = ", filename = true, file_row_number = true" if row_ids else ""
    if not files:
        cols = ", ".join(f"cast(null as {typ}) as {name}" for name, typ, _ in focus.COLUMNS)
        more = ", cast(null as varchar) as filename, cast(null as bigint) as file_row_number" if row_ids else ""
        return f"(select {cols}{more} where false)"
    return f"read_parquet({literal_list(files)}, {crypto.parquet_read_options()}{ids})"


def lake_groups(store: Store, files: list[str]) -> dict[tuple[tuple[str, ...], int], list[str]]:
    """Lake files grouped by (the tag keys promoted in them (lib.store.tags), their lake schema), from the manifest.

    Files of a group have the same columns; an encrypted lake cannot read files of different
    columns in one read_parquet, so readers read each group and union them (see lake_columns).
    """
    with state(store) as db:
        rows = db.execute("select path, promoted_tags, lake_schema from lake_files").fetchall()
    known = {str(store.lake / path): (tuple(k for k in keys.split(",") if k), schema) for path, keys, schema in rows}
    groups: dict[tuple[tuple[str, ...], int], list[str]] = {}
    for f in files:
        groups.setdefault(known.get(f, ((), focus.LAKE_SCHEMA)), []).append(f)
    return groups


def lake_columns(schema: int, prefix: str = "", skip: tuple[str, ...] = ()) -> str:
    """The select list of the lake columns from files of a lake schema: a column added since reads as null."""
    missing = {n for s, names in focus.ADDED_IN_SCHEMA.items() if s > schema for n in names}
    return ", ".join(f"cast(null as {typ}) as {name}" if name in missing else f"{prefix}{name}"
                     for name, typ, _ in focus.COLUMNS if name not in skip)


def lake_source(store: Store, files: list[str]) -> str:
    """SQL (a FROM item) reading lake files with exactly the lake columns, whatever tags they promote."""
    groups = lake_groups(store, files)
    if not groups:
        return parquet_source([])
    return "(" + " union all ".join(f"select {lake_columns(schema)} from {parquet_source(g)}"
                                    for (_, schema), g in groups.items()) + ")"


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
