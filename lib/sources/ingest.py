"""Ingest: check normalized rows against the FOCUS schema, write lake files, swap them in.

Every importer (FOCUS files, provider exports, API connectors, the demo) ends here. It
hands over one DuckDB view per input file whose columns carry FOCUS names (text or typed)
and a `_row` column with the row number a person would look up in that file. Nothing is
written unless every row passes; then the new files replace exactly the (source, billing
account, billing period) partitions they cover, in one state transaction.

>>> result = ingest(store, con, [("bill.csv", "raw_bill")], source="focus")   # doctest: +SKIP
>>> result.ok, result.rows, result.periods                                     # doctest: +SKIP
(True, 1000, ('2024-09',))
"""

import hashlib
import shutil
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from lib.config import versions
from lib.core import focus
from lib.core.ids import file_part
from lib.core.problems import MAX_PROBLEMS, Problem
from lib.core.progress import Progress, each, portion
from lib.core.sql import literal
from lib.sources import checks as value_checks
from lib.sources import digests, run_log
from lib.sources.typed import typed_expr, typed_view
from lib.store import crypto, tags
from lib.store.state import Store, state


@dataclass(frozen=True)
class IngestResult:
    run_id: int | None
    rows: int = 0
    periods: tuple[str, ...] = ()
    totals: dict = field(default_factory=dict)  # currency -> {"billed": Decimal, "effective": Decimal}
    problems: tuple[Problem, ...] = ()
    unchanged: int | None = None  # the run that already serves exactly this content (rows read, nothing written)
    read_as: tuple[str, ...] = ()  # per file, the format (and FOCUS version) it was read as
    datasets: dict = field(default_factory=dict)  # FOCUS dataset name -> rows saved (lib.sources.focus_datasets)

    @property
    def ok(self) -> bool:
        return not self.problems


def missing_columns(file: str, have: dict[str, str]) -> list[Problem]:
    return [Problem(file, None, c, "required FOCUS column is missing")
            for c in focus.REQUIRED if c not in have and not c.startswith("x_")]


def find_problems(con, file: str, raw: str, typed: str, have: dict[str, str]) -> list[Problem]:
    """Every unreadable value, missing required value or unknown category, by row and column."""
    checks = []
    for name, typ, required in focus.COLUMNS:
        if name.startswith("x_") or name not in have:
            continue
        raw_text = f"trim(cast(r.\"{name}\" as varchar))"
        typed_in = have[name] != "varchar"  # a typed value (decimal, timestamp) is null or readable: no text checks
        if (typ != "varchar" and not typed_in) or name in ("ChargeCategory", "ChargeFrequency"):
            what = {"ChargeCategory": "not a FOCUS ChargeCategory", "ChargeFrequency": "not a FOCUS ChargeFrequency"}
            reason = what.get(name, f"cannot read as {'date/time' if typ == 'timestamp' else 'a number'}")
            checks.append(f"case when {raw_text} <> '' and t.{name} is null "
                          f"then '{name}: {reason}: ' || {raw_text} end")
        if required:
            empty = f'r."{name}" is null' if typed_in else f"coalesce({raw_text}, '') = ''"
            checks.append(f"case when {empty} then '{name}: required value is empty' end")
    sql = (f"select _row, unnest(bad) from (select r._row, list_filter([{', '.join(checks)}], x -> x is not null) as bad "
           f"from {raw} r positional join {typed} t) where len(bad) > 0 order by 1 limit {MAX_PROBLEMS}")
    found = con.execute(sql).fetchall()
    found += con.execute(value_checks.problems_sql(raw, _checks(have), MAX_PROBLEMS)).fetchall()
    return [Problem(file, int(row), msg.split(": ", 1)[0], msg.split(": ", 1)[1])
            for row, msg in sorted(found, key=lambda r: r[0])[:MAX_PROBLEMS]]


def _checks(have: dict[str, str]) -> list:
    """The value checks of lib.sources.checks (finite, exact, ISO currency, sane dates) for this view."""
    return value_checks.checks(have, lambda name: _expr(name, have))


@dataclass(frozen=True)
class Part:
    """The rows of one input file that fall in one (billing account, billing period)."""
    file: str
    account: str
    period: str
    currencies: tuple[str, ...]
    first_row: int
    rows: int
    billed: Decimal
    effective: Decimal


def survey(con, file: str, raw: str, have: dict[str, str]) -> tuple[list[Part], bool]:
    """One pass over the raw rows: the partitions they fall in, and whether every value is clean.

    Cheap for the usual clean file; only when it says no does find_problems build per-row messages.
    """
    bad = []
    for name, typ, required in focus.COLUMNS:
        if name.startswith("x_") or name not in have:
            continue
        typed_in = have[name] != "varchar"
        text = f'trim(cast("{name}" as varchar))'
        if (typ != "varchar" and not typed_in) or name in ("ChargeCategory", "ChargeFrequency"):
            bad.append(f"({text} <> '' and ({_expr(name, have)}) is null)")
        if required:
            bad.append(f'"{name}" is null' if typed_in else f"coalesce({text}, '') = ''")
    bad += [c.bad for c in _checks(have)]
    rows = con.execute(
        f"select {_expr('BillingAccountId', have)}, strftime({_expr('BillingPeriodStart', have)}, '%Y-%m'), "
        f"list(distinct {_expr('BillingCurrency', have)}), min(_row), count(*), "
        f"sum({_expr('BilledCost', have)}), sum({_expr('EffectiveCost', have)}), "
        f"count_if({' or '.join(bad) or 'false'}) from {raw} group by 1, 2 order by 1, 2").fetchall()
    parts = [Part(file, acct, period, tuple(sorted(c for c in cur if c)), first, n, billed, eff)
             for acct, period, cur, first, n, billed, eff, _ in rows]
    return parts, not any(row[-1] for row in rows)


def _expr(name: str, have: dict[str, str]) -> str:
    """The SQL expression of one lake column over the raw view (what typed_view selects)."""
    typ = next(t for n, t, _ in focus.COLUMNS if n == name)
    return typed_expr(name, typ, have.get(name)).rsplit(" as ", 1)[0]


def ingest(store: Store, con, inputs: list[tuple[str, str]], source: str, label: str = "",
           actor: str = "system", progress: Progress | None = None) -> IngestResult:
    """Check and load normalized inputs [(file name, raw view)] as one run that replaces their periods.

    progress(fraction, message) hears of each input checked (the first half) and written (most of the rest).
    """
    started = time.time()
    checked, written = each(progress, len(inputs), 0.0, 0.5), each(progress, len(inputs), 0.5, 0.95)
    run_id = run_log.start(store, source, label or ", ".join(f for f, _ in inputs), actor)
    problems: list[Problem] = []
    plan: list[tuple[str, list[Part]]] = []  # (typed view, the partitions it covers) per input
    for i, (file, raw) in enumerate(inputs):
        typed = f"_typed_{run_id}_{i}"
        try:
            have = typed_view(con, raw, typed, source)
            found = missing_columns(file, have)
            if not found:
                parts, clean = survey(con, file, raw, have)
                found = [] if clean else find_problems(con, file, raw, typed, have)
                plan.append((typed, [] if found else parts))
        except Exception as exc:  # duckdb raises for files it cannot parse at all
            found = [Problem(file, None, None, f"cannot read the file: {str(exc).splitlines()[0]}")]
        problems += found
        checked(i, f"checked {Path(file).name}")
    problems += value_checks.mixed_currencies([part for _, parts in plan for part in parts])
    same, seen = None, []
    if not problems:  # the same content twice, or exactly what is served already (lib.sources.digests)
        problems, same, seen = digests.screen(store, con, source, inputs, [parts for _, parts in plan])
    if problems:
        run_log.finish(store, run_id, "failed", problems=problems[:MAX_PROBLEMS], started=started)
        return IngestResult(run_id, problems=tuple(problems[:MAX_PROBLEMS]))
    if same is not None:  # a successful run that found nothing new: freshness counts it, no lake file moves
        periods, rows = tuple(sorted({p for *_, p in seen})), sum(part.rows for _, parts in plan for part in parts)
        run_log.finish(store, run_id, "ok", rows=rows, periods=periods, started=started, note=f" (unchanged: as run {same})")
        return IngestResult(run_id, rows, periods, unchanged=same)
    staging = store.lake / "staging" / f"run-{run_id}-{uuid.uuid4().hex[:8]}"
    keys = versions.wanted(store)
    try:
        _write_staging(con, plan, staging, keys, lambda i: written(i, f"wrote {Path(inputs[i][0]).name}"))
        result = _swap(store, con, staging, [part for _, parts in plan for part in parts], run_id, source, started,
                       keys, seen)
        portion(progress, 0.95, 1.0)(1.0, f"swapped in {result.rows:,} charges for {', '.join(result.periods)}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result


def _acct_key(account: str) -> str:
    return hashlib.md5(account.encode()).hexdigest()[:16]


def _write_staging(con, plan: list[tuple[str, list[Part]]], staging, keys: tuple[str, ...], done=None) -> None:
    """Write each input's rows, with the promoted tag columns of `keys`, under staging/_period=P/_acct=A/.

    Provider exports come one file per billing account and period: such a file is copied as
    is, which is about twice as fast as DuckDB's partitioned writer. A file spanning several
    partitions goes through the partitioned writer, flushing small batches to bound memory.
    """
    # Row order inside a lake file means nothing; not keeping it lets DuckDB stream the write.
    con.execute("set preserve_insertion_order = false")
    con.execute("set partitioned_write_flush_threshold = 100000")
    options = f"format parquet, compression snappy{crypto.parquet_write_options(con)}"
    # Per charge, not through a table of distinct Tags: a join costs more when tags are nearly unique.
    promoted = tags.promoted_sql(keys)
    try:
        for i, (typed, parts) in enumerate(plan):
            if len(parts) == 1:
                folder = staging / f"_period={parts[0].period}" / f"_acct={_acct_key(parts[0].account)}"
                folder.mkdir(parents=True, exist_ok=True)
                con.execute(f"copy (select * exclude (_row){promoted} from {typed}) to {literal(f'{folder}/in-{i}.parquet')} "
                            f"({options})")
            elif parts:
                con.execute(
                    f"copy (select * exclude (_row){promoted}, x_BillingPeriod as _period, "
                    f"left(md5(BillingAccountId), 16) as _acct from {typed}) to {literal(staging)} "
                    f"({options}, partition_by (_period, _acct), filename_pattern 'in-{i}-{{i}}', overwrite_or_ignore)")
            if done:
                done(i)
    finally:
        con.execute("reset preserve_insertion_order")
        con.execute("reset partitioned_write_flush_threshold")


def _swap(store: Store, con, staging, parts: list[Part], run_id: int, source: str, started: float,
          keys: tuple[str, ...], seen: list = ()) -> IngestResult:
    accounts = {_acct_key(p.account): p.account for p in parts}
    written = f"read_parquet({literal(f'{staging}/*/*/*.parquet')}, filename = true, {crypto.parquet_read_options()})"
    files = con.execute(f"select filename, count(*) from {written} group by all order by all").fetchall()
    moved = []
    for n, (path, rows) in enumerate(files):
        period, acct = (Path(path).parent.parent.name.split("=", 1)[1], Path(path).parent.name.split("=", 1)[1])
        rel = f"charges/source={file_part(source)}/account={acct}/period={period}/run-{run_id}-{n}.parquet"
        dest = store.lake / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        Path(path).rename(dest)
        moved.append((accounts[acct], period, rel, rows))
    totals: dict[str, dict[str, Decimal]] = {}
    for part in sorted(parts, key=lambda p: p.currencies):
        total = totals.setdefault(part.currencies[0], {"billed": Decimal(0), "effective": Decimal(0)})
        total["billed"] += part.billed
        total["effective"] += part.effective
    with state(store, write=True) as db:
        for account, period in {(a, p) for a, p, _, _ in moved}:
            db.execute("update lake_files set active = 0 where source = ? and billing_account_id = ? and period = ?",
                       (source, account, period))
        db.executemany(
            "insert into lake_files (run_id, source, billing_account_id, period, path, rows, promoted_tags, "
            "lake_schema) values (?, ?, ?, ?, ?, ?, ?, ?)",
            [(run_id, source, a, p, rel, r, ",".join(keys), focus.LAKE_SCHEMA) for a, p, rel, r in moved],
        )
        digests.record(db, run_id, seen)
        periods = tuple(sorted({p for _, p, _, _ in moved}))
        nrows = sum(r for *_, r in moved)
        run_log.finish(store, run_id, "ok", rows=nrows, periods=periods, totals=totals, started=started, db=db)
    return IngestResult(run_id, nrows, periods, totals)
