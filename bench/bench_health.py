"""Speed of the health checks (`python -m lib health`, the Health page's data): one JSON line per step.

    python bench/bench_health.py --data-dir /tmp/bench/10m --copy   # a copy of an existing store
    python bench/bench_health.py --rows 1000000 --work /tmp/bh       # or a demo store of that size

Steps, each in its own process: `allocate` (so the checks do not pay for a cold allocation),
`health_cold` (open the store and DuckDB, every check), `health_warm` (the same again in that
process: what the next page view costs), `cli` (the whole `python -m lib health --prometheus`).
A line: {"step", "charges", "seconds", "peak_rss_mb", "load_avg", ...}.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_budgets import emit  # noqa: E402 (after the path is set)


def step(name: str, data_dir: str) -> None:
    from lib.alerts import health
    from lib.allocation import cache
    from lib.core import access
    from lib.store.lake import engine
    from lib.store.state import open_store

    started = time.time()
    store = open_store(data_dir)
    con = engine(store)
    charges = con.execute("select count(*) from charges").fetchone()[0]
    if name == "allocate":
        cache.allocated_view(store, con)
        return emit(name, started, charges=charges)
    result = health.run(store, con, access.CLI)
    emit("health_cold", started, charges=charges, status=result.status, checks=len(result.checks))
    again = time.time()
    health.run(store, con, access.CLI)
    emit("health_warm", again, charges=charges)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir")
    p.add_argument("--copy", action="store_true")
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--work", default="/tmp/bench-health")
    p.add_argument("--step")
    args = p.parse_args()
    if args.step:
        return step(args.step, args.data_dir)
    data = Path(args.work) / "data"
    if args.data_dir and args.copy:
        shutil.rmtree(data, ignore_errors=True)
        shutil.copytree(args.data_dir, data)
    elif args.data_dir:
        data = Path(args.data_dir)
    elif not (data / "state.db").exists():
        subprocess.run([sys.executable, "-m", "lib", "--data-dir", str(data), "demo", "--rows", str(args.rows)],
                       cwd=ROOT, check=True, stderr=subprocess.DEVNULL)
    for name in ("allocate", "health"):
        subprocess.run([sys.executable, __file__, "--step", name, "--data-dir", str(data)], check=True)
    started = time.time()
    code = subprocess.run([sys.executable, "-m", "lib", "--data-dir", str(data), "health", "--prometheus",
                           str(data.parent / "costbook.prom")], cwd=ROOT, stdout=subprocess.DEVNULL).returncode
    print(json.dumps({"step": "cli", "exit_code": code, "seconds": round(time.time() - started, 3),
                      "load_avg": round(os.getloadavg()[0], 1)}), flush=True)


if __name__ == "__main__":
    main()
