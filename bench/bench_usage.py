"""Allocation with usage splits against the same allocation without them: 10M charges plus 1M usage rows.

    python bench/bench_usage.py --data-dir /tmp/bench/10m                # reuses (or builds) a demo store
    python bench/bench_usage.py --data-dir /tmp/bench/10m --rows 10000000 --namespaces 690 --repeat 3

The usage is a year (the demo's 13 months) of daily namespace usage of four clusters, generated as
OpenCost allocation responses (lib.demo.opencost, one per cluster and month) and imported through
`import --format opencost`. The shared clusters' node and control-plane charges (Compute in the shared
services account, ~9% of the charges) go to four rules, one per cluster (by the last character of the
resource id). The baseline splits them evenly among five teams; the usage variant splits them by the
clusters' namespaces (cost, cpu, memory and gpu weights, idle shared, unallocated or to a team, one by
a namespace label), everything else as in the demo rules. Each allocation runs in its own process
with a cold allocation cache, alternating the two variants; one JSON line per step with wall and CPU
seconds (CPU time moves less when other jobs share the machine) and the load average.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CLUSTERS = {"bench-a": "*[0-3]", "bench-b": "*[4-7]", "bench-c": "*[89ab]", "bench-d": "*[c-f]"}
SETTINGS = {"bench-a": ("cost", "share", ""), "bench-b": ("cpu", "unallocated", ""),
            "bench-c": ("memory", "platform", ""), "bench-d": ("cost", "share", ", team: label:team")}


def cpu() -> float:
    """CPU seconds of this process, every thread (less moved by other jobs on the machine than wall time)."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def emit(step: str, started: float, cpu_seconds: float | None = None, seconds: float | None = None, **extra) -> None:
    print(json.dumps({"step": step, "seconds": round(seconds if seconds is not None else time.time() - started, 2),
                      **({"cpu_seconds": round(cpu_seconds, 2)} if cpu_seconds is not None else {}),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                      "load_average": [round(x, 2) for x in os.getloadavg()], **extra}), flush=True)


def namespaces(n: int) -> list[tuple]:
    """n namespaces per cluster: most listed for a team in org.yaml, some by label only, a few nobody's."""
    from lib.demo import catalog
    teams = [t[0] for t in catalog.TEAMS]
    out = []
    for i in range(n):
        team = teams[i % len(teams)] if i % 25 else None
        label = teams[(i + 3) % len(teams)] if i % 7 == 0 else None
        out.append((f"ns-{i:04d}", team, label, 0.5 + (i % 13) / 4, 1.0 + (i % 17), (i % 9) / 20))
    return out


def rules_yaml(usage: bool) -> str:
    from lib.demo import config
    head, tail = config.RULES_YAML.split("  - name: AWS Support", 1)
    rules = []
    for cluster, suffix in CLUSTERS.items():
        match = f'{{sub_account_id: "409812345604", service_category: Compute, resource_id: "{suffix}"}}'
        if usage:
            weight, idle, team = SETTINGS[cluster]
            split = f"{{usage: kubernetes, cluster: {cluster}, weight: {weight}{team}}}\n    idle: {idle}"
        else:
            split = "even\n    among: [web, api, search, payments, platform]"
        rules.append(f"  - name: Cluster {cluster}\n    match: {match}\n    split: {split}\n")
    return head.split("  - name: Shared Kubernetes cluster", 1)[0] + "".join(rules) + "  - name: AWS Support" + tail


def step_build(args) -> None:
    from lib.demo import build
    from lib.store.state import open_store
    started = time.time()
    build.build(open_store(args.data_dir), rows=args.rows)
    emit("build_demo", started, rows=args.rows)


def step_usage(args) -> None:
    """Write the clusters' OpenCost responses and import them; save the org with the namespaces."""
    import yaml

    from lib.config import versions
    from lib.config.org import dump_org
    from lib.core import access
    from lib.demo import build, charges
    from lib.demo import opencost as demo_opencost
    from lib.sources.files import import_files
    from lib.store.lake import engine, new_duck
    from lib.store.state import open_store
    store = open_store(args.data_dir)
    con = engine(store, new_duck())
    last = con.execute("select max(ChargePeriodStart)::date from charges").fetchone()[0]
    charges.load_catalog(con, 7, build.window(last), last, 1000)
    spaces = namespaces(args.namespaces)
    started = time.time()
    with tempfile.TemporaryDirectory(dir=args.data_dir) as tmp:
        files = [f for c in CLUSTERS for f in demo_opencost.write_months(con, Path(tmp) / c, c, spaces)]
        emit("write_opencost_responses", started, files=len(files),
             megabytes=round(sum(os.path.getsize(f) for f in files) / 1e6))
        started = time.time()
        result = import_files(store, new_duck(), files, fmt="opencost", source="bench-opencost")
        assert result.ok, result.problems[:5]
        emit("import_usage", started, usage_rows=result.rows, periods=len(result.periods))
    org = yaml.safe_load(dump_org(versions.current_org(store)))
    listed: dict[str, list[str]] = {}
    for name, team, *_ in spaces:
        if team:
            listed.setdefault(team, []).append(name)
    for team in org["teams"]:
        team["namespaces"] = sorted(set(team.get("namespaces") or []) | set(listed.get(team["id"], [])))
    _, errors = versions.save_org(store, yaml.safe_dump(org, sort_keys=False), access.CLI, "benchmark namespaces")
    assert not errors, errors[:3]


def step_allocate(args) -> None:
    from lib.allocation import cache
    from lib.config import versions
    from lib.core import access
    from lib.store.lake import engine
    from lib.store.state import open_store, state
    store = open_store(args.data_dir)
    usage = args.variant == "usage"
    _, errors = versions.save_rules(store, rules_yaml(usage), access.CLI, f"benchmark: {args.variant}")
    assert not errors, errors[:3]
    con = engine(store)
    with state(store, write=True) as db:
        db.execute("delete from allocation_cache")
    started, cpu_started = time.time(), cpu()
    cache.allocated_view(store, con)
    seconds, cpu_seconds = time.time() - started, cpu() - cpu_started  # the counts below are not the allocation
    assert cache.problems(con) == [], cache.problems(con)
    split = con.execute("select count(*) from allocated where rule like 'Cluster bench-%'").fetchone()[0]
    clusters = con.execute("select count(*) from charges where SubAccountId = '409812345604' "
                           "and ServiceCategory = 'Compute'").fetchone()[0]
    emit(f"allocate_all_periods_{args.variant}", started, cpu_seconds, seconds, periods=len(cache.periods(store)),
         charges=con.execute("select count(*) from charges").fetchone()[0],
         usage_rows=con.execute(f"select count(*) from {_usage(store)}").fetchone()[0],
         cluster_charges=clusters, cluster_result_rows=split)


def _usage(store) -> str:
    from lib.store import usage
    return usage.parquet_source(usage.files(store))


STEPS = {"build": step_build, "usage": step_usage, "allocate": step_allocate}

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir", required=True)
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--namespaces", type=int, default=690, help="per cluster (4 clusters x 13 months of days)")
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--step", choices=list(STEPS))
    p.add_argument("--variant", choices=["baseline", "usage"], default="usage")
    args = p.parse_args()
    if args.step:
        STEPS[args.step](args)
        sys.exit(0)
    base = [sys.executable, __file__, "--data-dir", args.data_dir, "--rows", str(args.rows),
            "--namespaces", str(args.namespaces)]
    if not Path(args.data_dir, "state.db").exists():
        subprocess.run([*base, "--step", "build"], check=True)
    subprocess.run([*base, "--step", "usage"], check=True)
    for _ in range(args.repeat):
        for variant in ("baseline", "usage"):
            subprocess.run([*base, "--step", "allocate", "--variant", variant], check=True)
    print(json.dumps({"step": "done", "date": date.today().isoformat()}), flush=True)
