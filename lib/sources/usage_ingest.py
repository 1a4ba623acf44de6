"""Usage ingest: check usage rows, write them to the usage lake, swap whole partitions in.

The usage readers (lib.sources.opencost, lib.sources.usage_csv) hand over one DuckDB view per
input with usage column names (lib.core.usage) and `_row`, the row a person would look up.
Like charges (lib.sources.ingest, whose run log this shares), nothing is written unless every
row passes; the new files then replace exactly the (source, metric, cluster, period) partitions
they cover, in one state transaction, so a month of a cluster is always replaced, never appended.

>>> result = ingest_usage(store, con, [("alloc.json", "raw_usage")], source="opencost")   # doctest: +SKIP
>>> result.ok, result.periods                                                            # doctest: +SKIP
(True, ('2024-10',))
"""

import hashlib
import shutil
import time
import uuid
from pathlib import Path

from lib.core import usage
from lib.core.ids import file_part
from lib.core.problems import MAX_PROBLEMS, Problem
from lib.core.sql import identifier, literal
from lib.sources import run_log
from lib.sources.ingest import IngestResult
from lib.store import crypto
from lib.store.state import Store, state

REQUIRED_TEXT = ("Metric", "UsageKey")


def _typed(name: str, typ: str, raw: str | None) -> str:
    if raw is None:
        return "'' as Cluster" if name == "Cluster" else f"cast(null as {typ}) as {name}"
    col = identifier(name)
    if raw != "varchar":
        return f"try_cast({col} as {typ}) as {name}"
    if typ == "varchar":
        text = f"trim({col})"
        return f"coalesce({text}, '') as {name}" if name == "Cluster" else f"nullif({text}, '') as {name}"
    return f"try_cast(trim({col}) as {typ}) as {name}"


def typed_view(con, raw: str, typed: str, source: str) -> dict[str, str]:
    """View `typed` with exactly the usage lake columns (plus _row) over `raw`; returns raw's columns."""
    have = {r[0]: r[1].lower() for r in con.execute(f"describe {raw}").fetchall()}
    parts = [_typed(n, t, have.get(n)) for n, t, _ in usage.COLUMNS if not n.startswith("x_")]
    con.execute(f"create or replace temp view {typed} as select *, {literal(source)} as x_Source, "
                f"strftime(UsageDate, '%Y-%m') as x_UsagePeriod from (select _row, {', '.join(parts)} from {raw})")
    return have


def find_problems(con, file: str, raw: str, typed: str, have: dict[str, str]) -> list[Problem]:
    """Every unreadable value and missing required value, by row and column."""
    checks = []
    for name, typ, required in usage.COLUMNS:
        if name.startswith("x_"):
            continue
        if name not in have:
            if required:
                return [Problem(file, None, name, "required column is missing")]
            continue
        text = f"trim(cast(r.{identifier(name)} as varchar))"
        if typ != "varchar" and have[name] == "varchar":
            what = "a date like 2026-10-31" if typ == "date" else "a number"
            checks.append(f"case when {text} <> '' and t.{name} is null then '{name}: cannot read as {what}: ' "
                          f"|| {text} end")
        if required:  # empty, not unreadable (that has its own message)
            empty = f"coalesce({text}, '') = ''" if have[name] == "varchar" else f"r.{identifier(name)} is null"
            checks.append(f"case when {empty} then '{name}: required value is empty' end")
    sql = (f"select _row, unnest(bad) from (select r._row, list_filter([{', '.join(checks)}], x -> x is not null) "
           f"as bad from {raw} r positional join {typed} t) where len(bad) > 0 order by all limit {MAX_PROBLEMS}")
    return [Problem(file, int(row), msg.split(": ", 1)[0], msg.split(": ", 1)[1])
            for row, msg in con.execute(sql).fetchall()]


def mixed_units(con, typed_views: list[tuple[str, str]]) -> list[Problem]:
    """A metric is measured in one unit: weights in different units cannot be compared."""
    if not typed_views:
        return []
    union = " union all ".join(f"select {literal(f)} as f, Metric, Unit from {v}" for f, v in typed_views)
    rows = con.execute(f"select Metric, min(f), list(distinct Unit order by Unit) from ({union}) "
                       f"where Unit is not null group by 1 having count(distinct Unit) > 1 order by 1").fetchall()
    return [Problem(f, None, "Unit", f"metric {m} comes in several units ({', '.join(u)}); use one")
            for m, f, u in rows]


def ingest_usage(store: Store, con, inputs: list[tuple[str, str]], source: str, label: str = "",
                 actor: str = "system") -> IngestResult:
    """Check and load usage views [(file name, raw view)] as one run replacing the partitions they cover."""
    started = time.time()
    run_id = run_log.start(store, source, label or ", ".join(f for f, _ in inputs), actor)
    problems, typed = [], []
    for i, (file, raw) in enumerate(inputs):
        view = f"_usage_{run_id}_{i}"
        try:
            have = typed_view(con, raw, view, source)
            found = find_problems(con, file, raw, view, have)
        except Exception as exc:  # duckdb raises for files it cannot parse at all
            found = [Problem(file, None, None, f"cannot read the file: {str(exc).splitlines()[0]}")]
        problems += found
        typed.append((file, view))
    if not problems:
        problems = mixed_units(con, typed)
    if problems:
        run_log.finish(store, run_id, "failed", problems=problems[:MAX_PROBLEMS], started=started)
        return IngestResult(run_id, problems=tuple(problems[:MAX_PROBLEMS]))
    staging = store.lake / "staging" / f"usage-{run_id}-{uuid.uuid4().hex[:8]}"
    try:
        _write_staging(con, [v for _, v in typed], staging)
        return _swap(store, con, staging, run_id, source, started)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _key(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()[:16]


def _write_staging(con, views: list[str], staging: Path) -> None:
    staging.mkdir(parents=True, exist_ok=True)
    columns = ", ".join(usage.NAMES)
    union = " union all ".join(f"select {columns} from {v}" for v in views)
    options = f"format parquet, compression zstd{crypto.parquet_write_options(con)}"
    con.execute(f"copy (select *, left(md5(Metric || chr(31) || Cluster), 16) as _part, x_UsagePeriod as _period "
                f"from ({union})) to {literal(str(staging))} "
                f"({options}, partition_by (_part, _period), filename_pattern 'in-{{i}}', overwrite_or_ignore)")


def _swap(store: Store, con, staging: Path, run_id: int, source: str, started: float) -> IngestResult:
    """Move the staged files into the lake and switch the manifest to them in one transaction."""
    names = {}
    read = f"read_parquet({literal(str(staging) + '/*/*/*.parquet')}, filename = true, {crypto.parquet_read_options()})"
    for metric, cluster in con.execute(f"select distinct Metric, Cluster from {read}").fetchall():
        names[_key(metric + chr(31) + cluster)] = (metric, cluster)
    files = con.execute(f"select filename, count(*) from {read} group by all order by all").fetchall()
    moved = []
    for n, (path, rows) in enumerate(files):
        part, period = (Path(path).parent.parent.name.split("=", 1)[1], Path(path).parent.name.split("=", 1)[1])
        metric, cluster = names[part]
        rel = (f"usage/source={file_part(source)}/metric={file_part(metric)}/cluster={file_part(cluster) or '_'}/"
               f"period={period}/run-{run_id}-{n}.parquet")
        (store.lake / rel).parent.mkdir(parents=True, exist_ok=True)
        Path(path).rename(store.lake / rel)
        moved.append((metric, cluster, period, rel, rows))
    with state(store, write=True) as db:
        for metric, cluster, period in {m[:3] for m in moved}:
            db.execute("update usage_files set active = 0 where source = ? and metric = ? and cluster = ? "
                       "and period = ?", (source, metric, cluster, period))
        db.executemany("insert into usage_files (run_id, source, metric, cluster, period, path, rows) "
                       "values (?, ?, ?, ?, ?, ?, ?)", [(run_id, source, *m) for m in moved])
        periods = tuple(sorted({m[2] for m in moved}))
        rows = sum(m[4] for m in moved)
        run_log.finish(store, run_id, "ok", rows=rows, periods=periods, started=started, db=db)
    return IngestResult(run_id, rows, periods)
