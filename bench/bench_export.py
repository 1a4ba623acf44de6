"""FOCUS export speed and memory on a store: one JSON line per case on stdout.

    python bench/bench_import.py --rows 10000000 --keep /tmp/bench --steps generate import
    python bench/bench_export.py --data-dir /tmp/bench/rows-10000000/data [--out /tmp/bench/out]

Each case runs `lib.reports.focus_export.export` for every billing period of the store in its own
Python process, so that its peak memory (ru_maxrss) is its own:
  csv, parquet                   the normalized charges as FOCUS 1.2
  allocated-csv, allocated-parquet  the allocated bill as FOCUS 1.3 (one row per team share; the
                                 allocation's key and share tables are built inside the case)
A line: {"step": <case>, "rows": ..., "seconds": ..., "cpu_seconds": ..., "peak_rss_mb": ..., "file_mb": ...,
"load_avg": ...}. The files are deleted after each case unless --keep-files.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_import import cpu_now, emit  # noqa: E402

CASES = {"csv": ("1.2", "csv", False), "parquet": ("1.2", "parquet", False),
         "allocated-parquet": ("1.3", "parquet", True), "allocated-csv": ("1.3", "csv", True)}


def run_case(data_dir: str, out_dir: Path, case: str, keep: bool) -> None:
    from lib.core import access
    from lib.reports import focus_export
    from lib.store.lake import engine
    from lib.store.state import open_store

    version, fmt, allocated = CASES[case]
    store = open_store(data_dir)
    con = engine(store)
    out = out_dir / f"focus-{case}.{fmt}"
    started, cpu = time.time(), cpu_now()
    result, problems = focus_export.export(store, con, access.CLI, str(out), None, version, fmt, allocated)
    if problems:
        raise SystemExit("; ".join(problems))
    size = out.stat().st_size
    if not keep:
        out.unlink()
    emit(case, result.rows, started, cpu, periods=len(result.periods), file_mb=round(size / 2**20, 1))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", required=True)
    p.add_argument("--out", default=None, help="folder for the files (default: beside the data folder)")
    p.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    p.add_argument("--keep-files", action="store_true")
    p.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    args = p.parse_args()
    out = Path(args.out) if args.out else Path(args.data_dir).parent / "export"
    out.mkdir(parents=True, exist_ok=True)
    if args.case:
        run_case(args.data_dir, out, args.case, args.keep_files)
        return
    for case in args.cases:
        cmd = [sys.executable, __file__, "--data-dir", args.data_dir, "--out", str(out), "--case", case]
        subprocess.run(cmd + (["--keep-files"] if args.keep_files else []), check=True)


if __name__ == "__main__":
    main()
