"""Budget page data and `alerts check` speed: one JSON line per step on stdout.

    python bench/bench_budgets.py --data-dir /tmp/bench/10m     # reuse a store (copied first with --copy)
    python bench/bench_budgets.py --rows 1000000 --work /tmp/bb  # or build a demo store of that size

Steps (each in its own process, so its time and peak memory are its own):
  allocate       lib.allocation.cache.allocated_view on the store (computes what is not cached yet)
  budgets_cold   open store + DuckDB, allocated view, budget_status for the latest month (the page's data)
  budgets_warm   the same call again in that process (what the next page view costs)
  alert_log      the Alerts page's data, warm
  alerts_first   alerts.check over 500 budgets, sending to a local SMTP server (first run: everything due)
  alerts_again   the next hourly run: nothing new, everything deduplicated
A line: {"step", "charges", "budgets", "running", "seconds", "peak_rss_mb", "load_avg"}.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def emit(step: str, started: float, **extra) -> None:
    print(json.dumps({"step": step, **extra, "seconds": round(time.time() - started, 3),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "load_avg": round(os.getloadavg()[0], 1)}), flush=True)


def budgets_csv(store, con, count: int = 500) -> str:
    """`count` budgets: every team and department for every month, quarter and fiscal year of the data."""
    from lib.config.versions import current_org
    org = current_org(store)
    months = [r[0] for r in con.execute("select distinct x_BillingPeriod from charges order by 1").fetchall()]
    years = sorted({m[:4] for m in months})
    periods = months + [f"{y}-Q{q}" for y in years for q in range(1, 5)] + [f"FY{y}" for y in years]
    owners = [("team", t.id) for t in org.teams] + [("department", d.id) for d in org.departments]
    lines = ["scope,team,month,amount,currency"]
    for period in reversed(periods):
        for scope, owner in owners:
            lines.append(f"{scope},{owner},{period},{1000 * (len(lines) % 40 + 1)},USD")
    return "\n".join(lines[:count + 1]) + "\n"


def step_budgets(data_dir: str) -> None:
    from lib.alerts import check
    from lib.budgets.status import budget_status
    from lib.core import access
    from lib.store.lake import engine
    from lib.store.state import open_store
    started = time.time()
    store = open_store(data_dir)
    con = engine(store)
    month = con.execute("select max(x_BillingPeriod) from charges").fetchone()[0]
    rows = budget_status(store, con, access.CLI, "effective", month)
    emit("budgets_cold", started, budgets=len(rows))
    started = time.time()
    rows = budget_status(store, con, access.CLI, "effective", month)
    emit("budgets_warm", started, budgets=len(rows))
    started = time.time()
    log = check.alert_log(store, access.CLI)
    emit("alert_log", started, rows=len(log))


def step_alerts(data_dir: str) -> None:
    from aiosmtpd.controller import Controller

    from lib.alerts import check
    from lib.store.lake import engine
    from lib.store.state import open_store

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=int(os.environ["COSTBOOK_SMTP_PORT"]))
    controller.start()
    try:
        store = open_store(data_dir)
        for step in ("alerts_first", "alerts_again"):
            started = time.time()
            result = check.check(store, engine(store))
            emit(step, started, alerts=result.alerts, sent=result.sent, failed=result.failed, skipped=result.skipped)
    finally:
        controller.stop()


def data_dir_for(args) -> str:
    if args.data_dir and args.copy:
        target = Path(args.work) / "store"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(args.data_dir, target)
        _rekey_allocation_cache(str(target))
        return str(target)
    return args.data_dir or str(Path(args.work) / f"rows-{args.rows}")


def _rekey_allocation_cache(data_dir: str) -> None:
    """A copied store's allocation cache is keyed on the original's file paths: point the copy's keys at
    the same (identical) cached results instead of recomputing every period."""
    from lib.allocation import cache
    from lib.store.state import open_store, state
    store = open_store(data_dir)
    with state(store, write=True) as db:
        latest = dict(db.execute("select period, path from allocation_cache order by created_at").fetchall())
        for period, path in latest.items():
            key = cache.cache_key(cache.inputs(store, period))
            db.execute("insert or replace into allocation_cache (period, cache_key, path, created_at, seconds) "
                       "values (?, ?, ?, datetime('now'), 0)", (period, key, path))


def step_prepare(data_dir: str, rows: int, count: int) -> None:
    """Build the demo store if missing, load the budgets, allocate every period (so later steps find the cache)."""
    from lib.allocation import cache
    from lib.budgets import budget
    from lib.core import access
    from lib.store.lake import engine
    from lib.store.state import open_store, state
    if not (Path(data_dir) / "state.db").exists():
        from lib.demo import build
        started = time.time()
        build.build(open_store(data_dir), rows=rows)
        emit("demo_build", started, charges=rows)
    store = open_store(data_dir)
    con = engine(store)
    started = time.time()
    cache.allocated_view(store, con)
    emit("allocate", started)
    loaded, problems = budget.load_budgets_csv(store, budgets_csv(store, con, count), access.CLI)
    assert not problems, problems[:3]
    with state(store, write=True) as db:
        db.execute("delete from deliveries")  # every run starts with nothing sent
    charges = con.execute("select count(*) from charges").fetchone()[0]
    print(json.dumps({"step": "setup", "charges": charges, "budgets": loaded}), flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", help="an existing store (with --copy it is copied to --work first)")
    p.add_argument("--copy", action="store_true")
    p.add_argument("--rows", type=int, default=1_000_000, help="charges in a freshly built demo store")
    p.add_argument("--work", default="/tmp/bench-budgets")
    p.add_argument("--budgets", type=int, default=500)
    p.add_argument("--step", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.step == "prepare":
        step_prepare(args.data_dir, args.rows, args.budgets)
        return
    if args.step:
        {"budgets": step_budgets, "alerts": step_alerts}[args.step](args.data_dir)
        return
    Path(args.work).mkdir(parents=True, exist_ok=True)
    data_dir = data_dir_for(args)
    env = {**os.environ, "COSTBOOK_SMTP_HOST": "127.0.0.1", "COSTBOOK_MAIL_DOMAIN": "example.com",
           "COSTBOOK_SMTP_PORT": str(_free_port()), "COSTBOOK_SECRETS_FILE": str(Path(args.work) / "none.toml")}
    env.pop("COSTBOOK_WEBHOOKS", None)
    for step in ("prepare", "budgets", "alerts"):
        subprocess.run([sys.executable, __file__, "--step", step, "--data-dir", data_dir, "--rows", str(args.rows),
                        "--budgets", str(args.budgets)], check=True, env=env)


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main()
