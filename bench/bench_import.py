"""Import and Overview speed on generated charges: one JSON line per step on stdout.

    python bench/bench_import.py                      # 1M charges
    python bench/bench_import.py --rows 1000000 10000000 --keep /tmp/bench

Each step runs in its own Python process so that its peak memory (ru_maxrss) is its own:
  generate   the demo generator writes FOCUS Parquet files (usage + periodic charges)
  import     lib.sources.files.import_files on those files into a fresh store
  allocate   lib.allocation.cache.allocated_view: every period allocated with the demo rules
  overview   lib.reports.overview.overview for the latest month (totals vs last month, by provider, by
             department, daily trend, Unallocated trend, movers), on the cached allocation
  raw_*      the same questions asked of the `charges` view directly, as a floor for comparison
A line: {"step": ..., "rows": ..., "seconds": ..., "cpu_seconds": ..., "peak_rss_mb": ..., "load_avg": ...}.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STEPS = ("generate", "import", "allocate", "overview", "raw")

RAW_QUERIES = {  # the Overview's questions on the raw charges (no allocation)
    "raw_month_vs_last": "select x_BillingPeriod, BillingCurrency, sum(EffectiveCost) from charges "
                         "where x_BillingPeriod in (?, ?) group by 1, 2",
    "raw_by_provider": "select ProviderName, BillingCurrency, sum(EffectiveCost) from charges "
                       "where x_BillingPeriod = ? group by 1, 2",
    "raw_by_account": "select SubAccountId, BillingCurrency, sum(EffectiveCost) from charges "
                      "where x_BillingPeriod = ? group by 1, 2",
    "raw_daily_trend": "select cast(ChargePeriodStart as date), ProviderName, sum(EffectiveCost) from charges "
                       "where x_BillingPeriod = ? group by 1, 2",
    "raw_untagged_share": "select x_BillingPeriod, sum(EffectiveCost) filter (where Tags is null) / sum(EffectiveCost) "
                          "from charges group by 1",
}


def emit(step: str, rows: int, started: float, cpu_started: float, **extra) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    line = {"step": step, "rows": rows, "seconds": round(time.time() - started, 3),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime - cpu_started, 3),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "load_avg": round(os.getloadavg()[0], 2), **extra}
    print(json.dumps(line), flush=True)


def cpu_now() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def step_generate(work: Path, rows: int, today: date) -> None:
    from lib.demo import build, charges, periodic
    from lib.store.lake import new_duck
    from lib.store.state import open_store

    started, cpu = time.time(), cpu_now()
    store = open_store(work / "data")
    build.save_config(store, work / "data" / "demo")
    con = new_duck()
    charges.load_catalog(con, 7, build.window(today), today, rows)
    (work / "files").mkdir(exist_ok=True)
    usage = charges.write_usage(con, str(work / "files" / "usage"))
    periodic.write(con, usage, str(work / "files" / "periodic.parquet"))
    files = sorted((work / "files").rglob("*.parquet"))
    made = con.execute("select count(*) from read_parquet(?, hive_partitioning = false)",
                       [[str(f) for f in files]]).fetchone()[0]
    size = sum(f.stat().st_size for f in files)
    emit("generate", made, started, cpu, files=len(files), parquet_mb=round(size / 2**20, 1))


def step_import(work: Path, rows: int, today: date) -> None:
    from lib.core import access
    from lib.sources.files import import_files
    from lib.store.lake import new_duck
    from lib.store.state import open_store

    store = open_store(work / "data")
    con = new_duck()
    files = sorted(str(p) for p in (work / "files").rglob("*.parquet"))
    started, cpu = time.time(), cpu_now()
    result = import_files(store, con, files, fmt="focus", actor=access.CLI.username, source="demo")
    if not result.ok:
        raise SystemExit("import failed: " + "; ".join(map(str, result.problems[:5])))
    emit("import", result.rows, started, cpu)


def step_allocate(work: Path, rows: int, today: date) -> None:
    from lib.allocation import cache
    from lib.store.lake import engine
    from lib.store.state import open_store

    store = open_store(work / "data")
    started, cpu = time.time(), cpu_now()
    con = engine(store)
    cache.allocated_view(store, con)
    emit("allocate", rows, started, cpu)


def step_overview(work: Path, rows: int, today: date) -> None:
    from lib.allocation import cache
    from lib.core import access
    from lib.reports import overview, spend
    from lib.store.lake import engine
    from lib.store.state import open_store

    store = open_store(work / "data")
    con = engine(store)
    started, cpu = time.time(), cpu_now()
    cache.allocated_view(store, con)  # cached by the allocate step: this is what a page pays
    emit("overview_open_cached_allocation", rows, started, cpu)
    month = today.strftime("%Y-%m")
    for currency in spend.currencies(con, access.CLI):
        started, cpu = time.time(), cpu_now()
        overview.overview(con, access.CLI, month, "effective", currency)
        emit("overview", rows, started, cpu, currency=currency)


def step_raw(work: Path, rows: int, today: date) -> None:
    from lib.store.lake import engine
    from lib.store.state import open_store

    store = open_store(work / "data")
    con = engine(store)
    month = today.strftime("%Y-%m")
    last = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1).strftime("%Y-%m")
    for name, sql in RAW_QUERIES.items():
        params = [month, last][: sql.count("?")]
        started, cpu = time.time(), cpu_now()
        con.execute(sql, params).fetchall()
        emit(name, rows, started, cpu)


def run_all(sizes: list[int], keep: str | None, steps: list[str]) -> None:
    for rows in sizes:
        work = Path(keep) / f"rows-{rows}" if keep else Path(tempfile.mkdtemp(prefix="costbook-bench-"))
        work.mkdir(parents=True, exist_ok=True)
        try:
            for step in steps:
                cmd = [sys.executable, __file__, "--step", step, "--work", str(work), "--rows", str(rows)]
                subprocess.run(cmd, check=True)
        finally:
            if not keep:
                shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    p.add_argument("--keep", help="keep the generated data under this folder")
    p.add_argument("--steps", nargs="+", default=list(STEPS), choices=STEPS)
    p.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.step:
        today = datetime.now(timezone.utc).date()
        globals()[f"step_{args.step}"](Path(args.work), args.rows[0], today)
    else:
        run_all(args.rows, args.keep, args.steps)


if __name__ == "__main__":
    main()
