"""The Spark engine against the DuckDB engine on the demo company: time, peak memory, equality.

    python bench/bench_spark.py --rows 40000                      # builds a demo company of that size
    python bench/bench_spark.py --data-dir /tmp/demo --master local[2] --months 3

One JSON line per step: {"step", "rows", "periods", "seconds", "peak_rss_mb", ...}. Both engines
allocate every period into separate files; the last line says whether the per (period, team,
currency, rule) sums of billed, effective and list cost are identical (they must be, exactly).
Peak memory is this Python process only: Spark's JVM is a child process and is not counted.
"""

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUMS = ("select x_BillingPeriod, team, BillingCurrency, rule, sum(billed), sum(effective), sum(list) "
        "from read_parquet(?, hive_partitioning = false) group by all order by all")


def emit(step, started, **extra):
    peak = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps({"step": step, "seconds": round(time.time() - started, 3), "peak_rss_mb": peak, **extra}),
          flush=True)


def allocate_duck(store, con, periods: list[str], out: Path) -> dict:
    """DuckDB-engine results of every period into out/duck-P.parquet; returns each period's parsed inputs."""
    from lib.allocation import cache
    from lib.allocation import engine as allocation_engine
    from lib.config import org, rules
    done = {}
    for p in periods:
        inp = cache.inputs(store, p)
        o, _ = org.parse_org(inp.org_yaml)
        r, _ = rules.parse_rules(inp.rules_yaml, o)
        done[p] = (inp, o, r)
        allocation_engine.allocate(con, cache.lake_for(store, inp, r), p, r, o, inp.rules_version,
                                str(out / f"duck-{p}.parquet"), inp.basis)
    return done


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--rows", type=int, default=40_000)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--months", type=int, default=0, help="only the newest N billing periods (0: all)")
    args = ap.parse_args()
    from lib.allocation import cache
    from lib.allocation import spark as allocation_spark
    from lib.demo import build
    from lib.store.lake import engine, new_duck
    from lib.store.state import open_store

    store = open_store(Path(args.data_dir or tempfile.mkdtemp(prefix="bench-spark-")) / "data")
    if not cache.periods(store):
        started = time.time()
        build.build(store, seed=7, rows=args.rows)
        emit("demo", started, rows=args.rows)
    con = engine(store, new_duck())
    periods = cache.periods(store)[-args.months:] if args.months else cache.periods(store)
    rows = con.execute("select count(*) from charges where x_BillingPeriod in (select unnest(?))",
                       [periods]).fetchone()[0]
    out = Path(tempfile.mkdtemp(prefix="bench-spark-out-"))
    started = time.time()
    duck = allocate_duck(store, con, periods, out)
    emit("duckdb_allocate", started, rows=rows, periods=len(periods))
    started = time.time()
    spark = allocation_spark.session(args.master)
    emit("spark_session", started, master=args.master)
    started = time.time()
    for p, (inp, o, r) in duck.items():
        allocation_spark.allocate(spark, list(inp.files), p, r, o, inp.rules_version, str(out / f"spark-{p}.parquet"),
                                  inp.basis)
    emit("spark_allocate", started, rows=rows, periods=len(periods), master=args.master)
    a = con.execute(SUMS, [str(out / "duck-*.parquet")]).fetchall()
    b = con.execute(SUMS, [str(out / "spark-*.parquet")]).fetchall()
    diff = sum(1 for x, y in zip(a, b, strict=False) if x != y) + abs(len(a) - len(b))
    emit("compare", time.time(), groups=len(a), identical=a == b, differing_groups=diff)
    spark.stop()
    return 0 if a == b else 1


if __name__ == "__main__":
    sys.exit(main())
