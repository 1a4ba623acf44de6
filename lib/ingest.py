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

import json
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from lib import crypto, focus
from lib.store import Store, state

MAX_PROBLEMS = 200
CATEGORY_CANON = {c.lower(): c for c in focus.CHARGE_CATEGORIES}
FREQUENCY_CANON = {c.lower(): c for c in focus.CHARGE_FREQUENCIES}


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.reason}"


@dataclass(frozen=True)
class IngestResult:
    run_id: int | None
    rows: int = 0
    periods: tuple[str, ...] = ()
    totals: dict = field(default_factory=dict)  # currency -> {"billed": Decimal, "effective": Decimal}
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _columns(con, view: str) -> dict[str, str]:
    return {r[0]: r[1].lower() for r in con.execute(f"describe {view}").fetchall()}


def _typed_expr(name: str, typ: str, raw_type: str | None) -> str:
    """SQL turning the raw column into the lake type (null when absent or unreadable)."""
    if raw_type is None:
        return f"cast(null as {typ}) as {name}"
    col = f'"{name}"'
    if name == "ChargeCategory":
        cases = " ".join(f"when '{k}' then '{v}'" for k, v in CATEGORY_CANON.items())
        return f"case lower(trim({col})) {cases} end as {name}"
    if name == "ChargeFrequency":
        cases = " ".join(f"when '{k}' then '{v}'" for k, v in FREQUENCY_CANON.items())
        return f"case lower(replace(trim({col}), ' ', '-')) {cases} end as {name}"
    if typ == "timestamp":
        if raw_type.startswith("timestamp") or raw_type == "date":
            return f"cast({col} as timestamp) as {name}"
        return f"cast(try_cast(trim({col}) as timestamptz) as timestamp) as {name}"
    if typ.startswith("decimal"):
        return f"try_cast(trim(cast({col} as varchar)) as {typ}) as {name}" if raw_type == "varchar" else (
            f"try_cast({col} as {typ}) as {name}"
        )
    return f"nullif(trim(cast({col} as varchar)), '') as {name}"


def typed_view(con, raw: str, typed: str, source: str) -> None:
    """Create view `typed` over `raw` with exactly the lake columns (plus _row)."""
    have = _columns(con, raw)
    parts = []
    for name, typ, _ in focus.COLUMNS:
        if name == "x_Source":
            parts.append("'" + source.replace("'", "''") + "' as x_Source")
        elif name == "x_BillingPeriod":
            parts.append("strftime(BillingPeriodStart, '%Y-%m') as x_BillingPeriod")
        else:
            parts.append(_typed_expr(name, typ, have.get(name)))
    inner = ", ".join(["_row"] + parts[:-1])
    sql = f"create or replace temp view {typed} as select *, {parts[-1]} from (select {inner} from {raw})"
    con.execute(sql)


def find_problems(con, file: str, raw: str, typed: str) -> list[Problem]:
    """Every unreadable value, missing required value or unknown category, by row and column (one scan)."""
    have = _columns(con, raw)
    missing = [c for c in focus.REQUIRED if c not in have and not c.startswith("x_")]
    if missing:
        return [Problem(file, None, c, "required FOCUS column is missing") for c in missing]
    if not _any_bad_value(con, raw, have):
        return _mixed_currencies(con, file, typed)
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
    found = [Problem(file, int(row), msg.split(": ", 1)[0], msg.split(": ", 1)[1])
             for row, msg in con.execute(sql).fetchall()]
    return found or _mixed_currencies(con, file, typed)


def _any_bad_value(con, raw: str, have: dict[str, str]) -> bool:
    """One aggregate pass over the raw rows: is any value unreadable or any required value empty?

    Cheap for the usual clean file; only when it says yes does find_problems build per-row messages.
    """
    counts = []
    for name, typ, required in focus.COLUMNS:
        if name.startswith("x_") or name not in have:
            continue
        typed_in = have[name] != "varchar"
        text = f'trim(cast("{name}" as varchar))'
        if (typ != "varchar" and not typed_in) or name in ("ChargeCategory", "ChargeFrequency"):
            expr = _typed_expr(name, typ, have[name]).rsplit(" as ", 1)[0]
            counts.append(f"count_if({text} <> '' and ({expr}) is null)")
        if required:
            counts.append(f'count_if("{name}" is null)' if typed_in else f"count_if(coalesce({text}, '') = '')")
    return bool(counts) and any(con.execute(f"select {', '.join(counts)} from {raw}").fetchone())


def _mixed_currencies(con, file: str, typed: str) -> list[Problem]:
    mixed = con.execute(
        f"select BillingAccountId, x_BillingPeriod, string_agg(distinct BillingCurrency, ', '), min(_row) "
        f"from {typed} group by 1, 2 having count(distinct BillingCurrency) > 1 order by 1, 2"
    ).fetchall()
    return [Problem(file, row, "BillingCurrency",
                    f"billing account {acct} has several currencies ({cur}) in period {period}")
            for acct, period, cur, row in mixed]


def ingest(store: Store, con, inputs: list[tuple[str, str]], source: str, label: str = "",
           actor: str = "system") -> IngestResult:
    """Check and load normalized inputs [(file name, raw view)] as one run that replaces their periods."""
    started = time.time()
    run_id = _start_run(store, source, label or ", ".join(f for f, _ in inputs), actor)
    problems: list[Problem] = []
    typed_views = []
    for i, (file, raw) in enumerate(inputs):
        typed = f"_typed_{run_id}_{i}"
        try:
            typed_view(con, raw, typed, source)
            problems += find_problems(con, file, raw, typed)
        except Exception as exc:  # duckdb raises for files it cannot parse at all
            problems.append(Problem(file, None, None, f"cannot read the file: {str(exc).splitlines()[0]}"))
        typed_views.append(typed)
    if problems:
        _finish_run(store, run_id, "failed", problems=problems[:MAX_PROBLEMS], started=started)
        return IngestResult(run_id, problems=tuple(problems[:MAX_PROBLEMS]))
    union = " union all ".join(f"select * exclude (_row) from {v}" for v in typed_views)
    staging = store.lake / "staging" / f"run-{run_id}-{uuid.uuid4().hex[:8]}"
    try:
        result = _write_and_swap(store, con, union, staging, run_id, source, started)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result


def _write_and_swap(store: Store, con, union: str, staging, run_id: int, source: str, started: float):
    # Row order inside a lake file means nothing; not keeping it lets DuckDB stream the write.
    con.execute("set preserve_insertion_order = false")
    try:
        con.execute(
            f"copy (select *, x_BillingPeriod as _period, left(md5(BillingAccountId), 16) as _acct from ({union})) "
            f"to '{staging}' (format parquet, compression snappy, partition_by (_period, _acct)"
            f"{crypto.parquet_write_options(con)})")
    finally:
        con.execute("reset preserve_insertion_order")
    # Count and total from the written files (typed, compact) rather than parsing the input again.
    written = f"read_parquet('{staging}/*/*/*.parquet', {crypto.parquet_read_options()})"
    parts = con.execute(
        f"select x_BillingPeriod, BillingAccountId, left(md5(BillingAccountId), 16), count(*) from {written} "
        f"group by all order by 1, 2"
    ).fetchall()
    totals_rows = con.execute(
        f"select BillingCurrency, sum(BilledCost), sum(EffectiveCost) from {written} group by 1 order by 1"
    ).fetchall()
    totals = {cur: {"billed": billed, "effective": eff} for cur, billed, eff in totals_rows}
    moved = []
    for period, account, acct, rows in parts:
        files = sorted((staging / f"_period={period}" / f"_acct={acct}").glob("*.parquet"))
        for n, src in enumerate(files):
            rel = f"charges/source={_safe(source)}/account={acct}/period={period}/run-{run_id}-{n}.parquet"
            dest = store.lake / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            src.rename(dest)
            moved.append((account, period, rel, rows if len(files) == 1 else -1))
    with state(store, write=True) as db:
        for account, period in {(a, p) for a, p, _, _ in moved}:
            db.execute("update lake_files set active = 0 where source = ? and billing_account_id = ? and period = ?",
                       (source, account, period))
        db.executemany(
            "insert into lake_files (run_id, source, billing_account_id, period, path, rows) values (?, ?, ?, ?, ?, ?)",
            [(run_id, source, a, p, rel, r) for a, p, rel, r in moved],
        )
        periods = tuple(sorted({p for _, p, _, _ in moved}))
        nrows = sum(r for *_, r in parts)
        _finish_run(store, run_id, "ok", rows=nrows, periods=periods, totals=totals, started=started, db=db)
    return IngestResult(run_id, nrows, periods, totals)


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)


def _start_run(store: Store, source: str, label: str, actor: str) -> int:
    with state(store, write=True) as db:
        cur = db.execute("insert into ingest_runs (source, label, started_at, actor) values (?, ?, ?, ?)",
                         (source, label, now_iso(), actor))
        return cur.lastrowid


def _finish_run(store, run_id, outcome, *, rows=0, periods=(), totals=None, problems=(), started, db=None):
    def encode(value):
        return str(value) if isinstance(value, Decimal) else value

    values = (now_iso(), outcome, rows, ",".join(periods), json.dumps(totals or {}, default=encode),
              json.dumps([str(p) for p in problems]), round(time.time() - started, 3), run_id)
    sql = ("update ingest_runs set finished_at = ?, outcome = ?, rows = ?, periods = ?, totals = ?, problems = ?, "
           "duration_s = ? where id = ?")
    if db is not None:
        db.execute(sql, values)
    else:
        with state(store, write=True) as own:
            own.execute(sql, values)
