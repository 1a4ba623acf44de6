"""Cost of encryption at rest on the lake: one JSON line per (mode, step) on stdout.

    python bench/bench_crypto.py                  # 1M charges
    python bench/bench_crypto.py --rows 10000000

For plain and encrypted Parquet (the lake's own write and read options from lib.store.crypto):
  write     COPY of generated charge-like rows to Parquet (zstd)
  groupby   sum of a decimal(38,12) cost by service and day, straight on the file
Each mode runs in its own process so peak memory (ru_maxrss) is its own.
A line: {"mode": ..., "step": ..., "rows": ..., "seconds": ..., "peak_rss_mb": ..., "bytes": ...}.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROWS_SQL = ("select 'svc-' || (i % 200) as ServiceName, date '2026-01-01' + cast(i % 31 as integer) as day, "
            "cast((i % 9973) / 100.0 as decimal(38,12)) as EffectiveCost, 'acct-' || (i % 5000) as SubAccountId "
            "from range(?) t(i)")


def run_mode(mode: str, rows: int, folder: str) -> None:
    if mode == "encrypted":
        os.environ["COSTBOOK_DATA_KEY"] = "bench-key-" + "x" * 32
    else:
        os.environ.pop("COSTBOOK_DATA_KEY", None)
    from lib.store import crypto
    from lib.store.lake import new_duck

    con, path = new_duck(), str(Path(folder) / f"{mode}.parquet")
    started = time.perf_counter()
    con.execute(f"copy ({ROWS_SQL}) to '{path}' (format parquet, compression zstd{crypto.parquet_write_options(con)})",
                [rows])
    emit(mode, "write", rows, time.perf_counter() - started, os.path.getsize(path))
    started = time.perf_counter()
    con.execute(f"select ServiceName, day, sum(EffectiveCost) from read_parquet(?, {crypto.parquet_read_options()}) "
                "group by 1, 2", [path]).fetchall()
    emit(mode, "groupby", rows, time.perf_counter() - started, os.path.getsize(path))


def emit(mode, step, rows, seconds, size) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "step": step, "rows": rows, "seconds": round(seconds, 3),
                      "peak_rss_mb": round(peak, 1), "bytes": size}), flush=True)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    p.add_argument("--mode", choices=["plain", "encrypted"])
    p.add_argument("--folder")
    args = p.parse_args()
    if args.mode:
        run_mode(args.mode, args.rows[0], args.folder)
        return
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as folder:
            for mode in ("plain", "encrypted"):
                subprocess.run([sys.executable, __file__, "--mode", mode, "--rows", str(rows), "--folder", folder],
                               check=True)


if __name__ == "__main__":
    main()
