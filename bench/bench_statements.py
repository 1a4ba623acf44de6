"""Time month-end work on a generated month: JSON lines with seconds and peak memory per step.

    python bench/bench_statements.py --charges 10000000 --teams 200

Builds a company of N teams in 10 departments and one month of AWS charges (each team with
its own two accounts, 30 services, 31 days; 10% untagged, 5% shared networking split in
proportion), ingests it through the real import path, allocates, rounds the month into cells
(lib.allocation.cells), then times: `python -m lib totals` for every --by in a fresh process on
the cached cells, one PDF statement, one CSV statement, every team's statements as a ZIP, and
the journal; and reports the largest difference between a team's total (a sum of cells) and
its exact amount, with the bound (a cent per billing account and invoice the team has charges in).
"""

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.allocation import cache, resources
from lib.config import versions
from lib.core import access
from lib.month_end import journal, statement_files
from lib.month_end.statements import prepare
from lib.sources.files import import_files
from lib.store.lake import new_duck
from lib.store.state import open_store

RULES = """
rules:
  - name: Team tag
    match: {tags.team: "*"}
    to: tag:team
  - name: Shared networking
    match: {service_category: Networking}
    split: proportional
"""

CHARGES_SQL = """
copy (
  select 'payer-1' as BillingAccountId, 'USD' as BillingCurrency,
         timestamp '2026-10-01' as BillingPeriodStart, timestamp '2026-11-01' as BillingPeriodEnd,
         timestamp '2026-10-01' + to_days(cast(i % 31 as integer)) as ChargePeriodStart,
         timestamp '2026-10-02' + to_days(cast(i % 31 as integer)) as ChargePeriodEnd,
         'Usage' as ChargeCategory, 'Usage-Based' as ChargeFrequency, 'AWS' as ProviderName,
         case when i % 20 = 1 then 'Amazon VPC' else 'Service ' || (i // 7 % 30) end as ServiceName,
         case when i % 20 = 1 then 'Networking' else 'Compute' end as ServiceCategory,
         lpad(cast(i % {teams} * 2 + i // {teams} % 2 as varchar), 12, '0') as SubAccountId,
         'account-' || (i % {teams} * 2 + i // {teams} % 2) as SubAccountName, 'eu-west-1' as RegionId,
         cast((i * 7919 % 100000) / 1000 as decimal(38,12)) as BilledCost,
         cast((i * 7919 % 100000) / 1000 as decimal(38,12)) as EffectiveCost,
         cast((i * 7919 % 100000) / 1000 as decimal(38,12)) as ListCost,
         'INV-2610' as InvoiceId, 'res-' || (i % 200000) as ResourceId,
         case when i % 10 = 0 or i % 20 = 1 then '{{}}' else '{{"team": "team-' || (i % {teams}) || '"}}' end as Tags
  from range({charges}) t(i)
) to '{path}' (format parquet, compression zstd)
"""


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


def totals_cli(store, period: str, by: str) -> None:
    """`python -m lib totals` in its own process, as cron or a person runs it."""
    subprocess.run([sys.executable, "-m", "lib", "--data-dir", str(store.data_dir), "totals", "--month", period,
                    "--by", by], check=True, cwd=Path(__file__).resolve().parents[1], stdout=subprocess.DEVNULL)


def rounding(con, period: str) -> dict:
    """The largest |team total - exact team amount| and its bound (a cent per billing account and invoice)."""
    row = con.execute(
        "select max(abs(cents - exact)), max(abs(cents - exact) / (0.01 * groups)) from ("
        "select team, BillingCurrency, sum(effective) as cents, sum(effective_exact) as exact, "
        "count(distinct (ProviderName, BillingAccountId, InvoiceId)) as groups from cells "
        "where x_BillingPeriod = ? group by all)", [period]).fetchone()
    return {"largest_team_difference": str(row[0]), "largest_share_of_bound": round(float(row[1]), 3)}


def org_yaml(teams: int) -> str:
    depts = "\n".join(f"  - {{id: dept-{d}, name: Department {d}, heads: [head-{d}], gl_account: '61{d:02d}'}}"
                      for d in range(10))
    team_lines = "\n".join(f"  - {{id: team-{t}, name: Team {t}, department: dept-{t % 10}, cost_center: CC-{t:04d}}}"
                           for t in range(teams))
    return f"departments:\n{depts}\nteams:\n{team_lines}\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--charges", type=int, default=1_000_000)
    p.add_argument("--teams", type=int, default=200)
    p.add_argument("--no-zip", action="store_true", help="skip the all-teams ZIP (e.g. to time the journal at 10M)")
    p.add_argument("--keep", default=None, metavar="DIR", help="build the store in DIR (a new folder) and keep it")
    args = p.parse_args()
    if args.keep:
        Path(args.keep).mkdir(parents=True)
    with (contextlib.nullcontext(args.keep) if args.keep else tempfile.TemporaryDirectory(prefix="bench-st-")) as tmp:
        store = open_store(Path(tmp) / "data")
        assert versions.save_org(store, org_yaml(args.teams), access.CLI, "setup")[1] == []
        assert versions.save_rules(store, RULES, access.CLI, "setup")[1] == []
        path = Path(tmp) / "charges.parquet"
        step("generate", lambda: new_duck().execute(CHARGES_SQL.format(teams=args.teams, charges=args.charges,
                                                                         path=path)), charges=args.charges)
        result = step("import", lambda: import_files(store, new_duck(), [str(path)]), charges=args.charges)
        assert result.ok, result.problems[:3]
        con, period, user = new_duck(), "2026-10", access.CLI
        path, _ = step("allocate", lambda: cache.ensure_period(store, con, period), charges=args.charges)
        step("cells (round the month once)", lambda: cache.ensure_cells(store, period, path, con), charges=args.charges)
        prepare(store, con)
        rows = con.execute("select count(*) from allocated").fetchone()[0]
        cell_rows = con.execute("select count(*) from cells").fetchone()[0]
        print(json.dumps({"allocated_rows": rows, "cells": cell_rows, **rounding(con, period)}), flush=True)
        for by in ("team", "department", "provider", "service"):
            for run in ("first", "second"):
                step(f"totals --by {by} (CLI process, {run} run)", lambda by=by: totals_cli(store, period, by))
        step("resource-grain allocation (once per period, for top resources)",
             lambda: resources.resources_file(store, con, period), charges=args.charges)
        for team, when in (("team-7", "first in the process"), ("team-8", "next one")):
            step(f"statement pdf (one team, {when})",
                 lambda team=team: statement_files.build_file(store, con, user, team, period, "pdf"),
                 allocated_rows=rows)
        step("statement csv (one team)", lambda: statement_files.build_file(store, con, user, "team-7", period,
                                                                              "csv"), allocated_rows=rows)
        data, _ = (b"", []) if args.no_zip else step(
            "statements zip (all teams, pdf+csv)", lambda: statement_files.zip_period(store, con, user, period),
            teams=args.teams)
        lines, _ = step("journal", lambda: journal.journal(store, con, user, period), charges=args.charges)
        print(json.dumps({"zip_bytes": len(data), "journal_lines": len(lines)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
