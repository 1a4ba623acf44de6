"""The usage lake as DuckDB reads it: measured usage beside the charges, one file per partition and run.

    lake/usage/source=<s>/metric=<m>/cluster=<c>/period=YYYY-MM/run-<id>-<n>.parquet

The manifest (`usage_files` in the state store) marks which files are served; an import swaps
a (source, metric, cluster, period) partition in one state transaction, exactly like charges
(lib.sources.usage_ingest). Allocation reads a period's active files with a "label:<key>"
column for each namespace label the rules map to teams.

>>> label_alias("team")
'"label:team"'
>>> parquet_source([])[:50]
'(select cast(null as date) as UsageDate, cast(null'
"""

from lib.core import usage
from lib.core.sql import literal_list
from lib.store import crypto
from lib.store.state import Store, state
from lib.store.tags import json_value


def label_alias(key: str) -> str:
    """The name a namespace label's value has inside the allocation SQL ("label:<key>")."""
    return '"label:' + key.replace('"', "") + '"'


def parquet_source(files: list[str]) -> str:
    """SQL reading usage files with the usage schema (no files reads as zero rows)."""
    if not files:
        cols = ", ".join(f"cast(null as {typ}) as {name}" for name, typ, _ in usage.COLUMNS)
        return f"(select {cols} where false)"
    return f"read_parquet({literal_list(files)}, {crypto.parquet_read_options()})"


def source(files: list[str], label_keys: tuple[str, ...] = ()) -> str:
    """SQL (a FROM item) over usage files with a "label:<key>" column per key, read from Labels."""
    labels = "".join(f", {json_value(k, 'Labels', checked=False)} as {label_alias(k)}" for k in label_keys)
    names = ", ".join(usage.NAMES)
    return f"(select {names}{labels} from {parquet_source(files)})"


def files(store: Store, period: str | None = None) -> list[str]:
    """The active usage files (of one period), as absolute paths, in a stable order."""
    with state(store) as db:
        rows = db.execute("select period, path from usage_files where active = 1 order by period, path").fetchall()
    return [str(store.lake / path) for p, path in rows if period is None or p == period]


def periods(store: Store) -> list[str]:
    with state(store) as db:
        return [r[0] for r in db.execute("select distinct period from usage_files where active = 1 order by 1")]
