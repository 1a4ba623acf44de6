"""Time anomaly detection on a demo company: JSON lines with seconds and peak memory per step.

    python bench/bench_anomalies.py --data-dir DIR          # a demo built with: python -m lib demo --rows N
    python bench/bench_anomalies.py --rows 1000000          # builds one in a temporary folder first

Steps, each in a fresh DuckDB connection: `allocate` (allocated view; computes the allocation cache on
a cold store), `detect` (data freshness, series per team, team x service and team x service x account,
baseline with calendar rhythms and holidays, folding, root cause and triage states, as the page and
CLI run it, with the allocation cached) and, for the record, the baseline alone on the dense matrix.
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.allocation import cache
from lib.anomalies import detect
from lib.anomalies.baseline import Thresholds
from lib.anomalies.series import load_series
from lib.core import access
from lib.demo import build
from lib.store.lake import engine, new_duck
from lib.store.state import open_store


def step(name: str, fn, **extra) -> object:
    tracemalloc.start()
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"step": name, "seconds": round(seconds, 3), "python_peak_mb": round(peak / 2**20, 1),
                      "process_max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "load_avg": round(os.getloadavg()[0], 2), **extra}), flush=True)
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir")
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-anomalies-") as tmp:
        data = Path(args.data_dir) if args.data_dir else Path(tmp) / "demo"
        if not args.data_dir:
            step("build demo", lambda: build.build(open_store(data), seed=args.seed, rows=args.rows))
        store = open_store(data)
        con = engine(store, new_duck())
        charges = con.execute("select count(*) from charges").fetchone()[0]
        step("allocate", lambda: cache.allocated_view(store, con), charges=charges)
        con = engine(store, new_duck())
        found = step("detect", lambda: detect.find(store, con, access.CLI), charges=charges)
        series = load_series(con, "effective", None)
        step("baseline only", lambda: detect.fitted(series, Thresholds(), None), series=len(series.keys),
             days=int(series.values.shape[1]), anomalies=len(found))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
