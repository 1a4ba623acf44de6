"""Allocation speed with 500 rules, the impact preview, and a plain pandas version of the same rules.

    python bench/bench_allocation.py --rows 1000000            # builds a demo lake of that size
    python bench/bench_allocation.py --data-dir /tmp/bench/10m  # or reuses one (e.g. bench_import --keep)

One JSON line per step: {"step", "rows", "rules", "seconds", "peak_rss_mb"}. Each step runs in its own
process so its peak memory is its own. The pandas step applies the same rules the obvious way (a boolean
mask per rule over the still-unassigned rows, then the splits) and checks that its per-team totals
match the DuckDB engine's to the cent.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def emit(step, rows, rules, started, **extra):
    print(json.dumps({"step": step, "rows": rows, "rules": rules, "seconds": round(time.time() - started, 3),
                      "peak_rss_mb": peak_mb(), **extra}), flush=True)


def make_rules(con, n: int = 500) -> str:
    """n rules over the lake's real keys: assignments, tag rules, fixed, even and proportional splits."""
    import yaml

    from lib.config.rules import parse_rules
    from lib.config.versions import current_org
    pairs = con.execute("select SubAccountId, ServiceName, count(*) from charges group by 1, 2 "
                        "order by 3 desc").fetchall()
    regions = [r[0] for r in con.execute("select distinct RegionId from charges where RegionId is not null "
                                         "order by 1").fetchall()]
    org = current_org(STORE)
    teams = [t.id for t in org.teams]
    rules = [{"name": "Team tag", "match": {"tags.team": "*", "charge_category": "Usage"}, "to": "tag:team"}]
    for i in range(n * 4):
        acct, svc, _ = pairs[i % len(pairs)]
        region = regions[(i + i // len(pairs)) % len(regions)]
        kind, name = i % 10, f"rule {i + 1}"
        if kind < 6:
            rule = {"match": {"sub_account_id": acct, "service_name": svc, "region_id": region}, "to": teams[i % len(teams)]}
        elif kind < 8:
            rule = {"match": {"sub_account_id": acct, "service_name": svc[:4] + "*", "region_id": region},
                    "split": {teams[i % len(teams)]: 60, teams[(i + 1) % len(teams)]: 40}}
        elif kind == 8:
            rule = {"match": {"sub_account_id": acct, "service_category": "re:^(Networking|Storage)$", "region_id": region},
                    "split": "even", "among": [teams[i % len(teams)], teams[(i + 2) % len(teams)], teams[(i + 5) % len(teams)]]}
        else:
            rule = {"match": {"sub_account_id": acct, "service_name": svc, "region_id": region,
                              "charge_frequency": "Recurring"}, "split": "proportional"}
        rules.append({"name": name, **rule})
    while True:  # drop generated rules an earlier one shadows, keep the first n valid ones
        text = yaml.safe_dump({"rules": rules[:n]}, sort_keys=False)
        _, errors = parse_rules(text, org)
        bad = {e.split("rule '")[1].split("'")[0] for e in errors if "never match" in e}
        if not bad:
            assert not errors, errors[:3]
            return text
        rules = [r for r in rules if r["name"] not in bad]


def step_build(args):
    from lib.demo import build
    from lib.store.state import open_store
    started = time.time()
    build.build(open_store(args.data_dir), rows=args.rows)
    emit("build_demo", args.rows, 0, started)


def step_allocate(args):
    global STORE
    from lib.allocation import cache
    from lib.config import versions
    from lib.core import access
    from lib.store.lake import engine
    from lib.store.state import open_store, state
    STORE = open_store(args.data_dir)
    con = engine(STORE)
    rows = con.execute("select count(*) from charges").fetchone()[0]
    text = make_rules(con, args.rules)
    version, errors = versions.save_rules(STORE, text, access.CLI, "benchmark: 500 rules")
    assert not errors, errors[:5]
    with state(STORE, write=True) as db:
        db.execute("delete from allocation_cache")
    started = time.time()
    cache.allocated_view(STORE, con)
    emit("allocate_all_periods", rows, args.rules, started, periods=len(cache.periods(STORE)))
    started = time.time()
    cache.allocated_view(STORE, con)
    emit("allocate_cached", rows, args.rules, started)


def step_impact(args):
    from lib.allocation import cache, impact
    from lib.config import versions
    from lib.core import access
    from lib.store.lake import engine
    from lib.store.state import open_store
    store = open_store(args.data_dir)
    con = engine(store)
    cache.allocated_view(store, con)
    rows = con.execute("select count(*) from charges").fetchone()[0]
    period = cache.periods(store)[-2]
    draft = versions.versions(store)[0].yaml.replace("split: proportional", "split: even", 5)
    started = time.time()
    result = impact.impact(store, con, access.CLI, period, draft)
    emit("impact_preview_one_month", rows, args.rules, started, period=period, charges_moved=result.charges_moved)


def step_pandas(args):
    """The same rules in pandas, for one month; checks the team totals against the engine."""
    from bench.pandas_allocation import allocate_pandas
    from lib.allocation import cache
    from lib.core import access
    from lib.reports import spend
    from lib.store.lake import engine
    from lib.store.state import open_store
    store = open_store(args.data_dir)
    con = engine(store)
    period = cache.periods(store)[-2]
    inp = cache.inputs(store, period)
    month_rows = con.execute("select count(*) from charges where x_BillingPeriod = ?", [period]).fetchone()[0]
    started = time.time()
    totals = allocate_pandas(con, period, inp.rules_yaml, inp.org_yaml)
    emit("pandas_one_month", month_rows, args.rules, started, period=period)
    cache.allocated_view(store, con, [period])
    duck = {(k, c): a for k, c, a in spend.totals(con, access.CLI, period, "team", "effective")}
    diff = max(abs(Decimal(str(totals.get(k, 0))) - v) for k, v in duck.items())
    print(json.dumps({"step": "pandas_vs_duckdb_max_team_difference", "value": str(diff)}), flush=True)
    from lib.allocation import engine as allocation_engine
    from lib.config.org import parse_org
    from lib.config.rules import parse_rules
    org, _ = parse_org(inp.org_yaml)
    rules, _ = parse_rules(inp.rules_yaml, org)
    started = time.time()
    allocation_engine.allocate(con, cache.lake_for(store, inp, rules), period, rules, org, inp.rules_version,
                            str(Path(args.data_dir) / "bench-month.parquet"))
    emit("duckdb_one_month", month_rows, args.rules, started, period=period)


STEPS = {"build": step_build, "allocate": step_allocate, "impact": step_impact, "pandas": step_pandas}
STORE = None

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--rules", type=int, default=500)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--step", choices=list(STEPS), default=None)
    args = p.parse_args()
    if args.step:
        STEPS[args.step](args)
        sys.exit(0)
    data_dir = args.data_dir or f"/tmp/costbook-bench-{args.rows}"
    steps = ["allocate", "impact", "pandas"] if Path(data_dir, "state.db").exists() else list(STEPS)
    for step in steps:
        subprocess.run([sys.executable, __file__, "--step", step, "--rows", str(args.rows), "--rules",
                        str(args.rules), "--data-dir", data_dir], check=True)
