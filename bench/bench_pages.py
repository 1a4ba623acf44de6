"""Every page of the app on a large store, as a person opens it: one JSON line per page.

    python bench/bench_pages.py --data-dir <store built with `python -m lib demo --rows 10000000`>

Each page runs under Streamlit's AppTest (the page script itself: its lib/ calls, tables and
charts) as finance, in a fresh Python process:
  cold   the first run in that process (nothing cached in memory; the allocation and other
         derived files on disk are already built, as after `python -m lib allocate`)
  warm   the same page run again in the same process (what every later click costs)
The Teams page is measured twice: a department's teams, then one team with all its tabs
(trend, breakdowns, rules, top resources, line items).
A line: {"page", "cold_s", "warm_s", "exception", "load_avg"}.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(data_dir: str, page: str, team: bool) -> dict:
    os.environ["COSTBOOK_DATA_DIR"] = data_dir
    from streamlit.testing.v1 import AppTest

    from lib.allocation import cache
    from lib.config.versions import current_org
    from lib.core import access
    from lib.reports import spend
    from lib.store.lake import engine
    from lib.store.state import open_store
    from lib.web.context import Filters

    store = open_store(data_dir)
    con = engine(store)
    cache.refresh_view(store, con)
    months = tuple(spend.periods(con))
    con.close()
    at = AppTest.from_file(str(ROOT / page), default_timeout=600)
    at.session_state["user"] = access.User("bench", "finance")
    at.session_state["filters"] = Filters(months[-1], months, (), "effective", "USD")
    if team:  # the first department's first team: every tab of one team renders
        org = current_org(store)
        at.session_state["t_dept"] = org.departments[0]
        at.session_state["t_team"] = next(t for t in org.teams if t.department == org.departments[0].id)
    times = []
    for _ in range(2):
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
    return {"cold_s": round(times[0], 3), "warm_s": round(times[1], 3),
            "exception": [e.value for e in at.exception][:1]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", required=True)
    p.add_argument("--page", help=argparse.SUPPRESS)
    p.add_argument("--team", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.page:
        print(json.dumps(measure(args.data_dir, args.page, args.team)))
        return
    from lib.web.nav import PAGES

    for page in PAGES:
        for team in ((False, True) if page.path == "pages/teams.py" else (False,)):
            cmd = [sys.executable, __file__, "--data-dir", args.data_dir, "--page", page.path] + (["--team"] * team)
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
            line = {"page": page.title + (" (one team)" if team else ""), **json.loads(out),
                    "load_avg": round(os.getloadavg()[0], 2)}
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
