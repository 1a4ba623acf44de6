"""Evaluate anomaly detection on the demo company against its ground truth of injected anomalies.

    python bench/eval_anomalies.py [--seed 7] [--rows 300000] [--data-dir DIR] [--clean-dir DIR]

Builds the demo (unless --data-dir points at one already built) and a clean demo without injected
anomalies (unless --clean-dir does), runs the same detection as `python -m lib anomalies`, and prints
per injected anomaly whether and when it was caught, then one JSON line: precision, recall, detection
delay in days per kind, and the anomalies and alerts per team per month on the clean data.

A detection matches an injected anomaly when it is for the same team (team-level or one of its
services) and starts between the day before the anomaly starts and the anomaly's last day.
"""

import argparse
import csv
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.alerts.anomaly import alert_min_impact
from lib.anomalies import detect as anomalies_detect
from lib.config.versions import current_org
from lib.core import access
from lib.demo import build
from lib.store.lake import engine
from lib.store.state import open_store


def truth(data_dir: Path) -> list[dict]:
    with open(data_dir / "demo" / "anomalies_truth.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["start"], r["end"] = date.fromisoformat(r["start_date"]), date.fromisoformat(r["end_date"])
    return rows


def ensure_demo(data_dir: str | None, seed: int, rows: int, clean: bool, tmp: str) -> Path:
    if data_dir:
        return Path(data_dir)
    path = Path(tmp) / ("clean" if clean else "demo")
    result = build.build(open_store(path), seed=seed, rows=rows, clean=clean)
    assert result.ok, result.problems
    return path


def detect(data_dir: Path):
    store = open_store(data_dir)
    con = engine(store)
    started = time.perf_counter()
    found = anomalies_detect.find(store, con, access.CLI)
    return store, con, found, time.perf_counter() - started


def matches(d, t) -> bool:
    return d.team == t["team"] and (t["start"].toordinal() - 1) <= d.start.toordinal() <= t["end"].toordinal()


def score(found, injected) -> dict:
    caught, delays = [], {}
    for t in injected:
        hits = [d for d in found if matches(d, t)]
        first = min((d.start for d in hits), default=None)
        caught.append(first is not None)
        if first is not None:
            delays.setdefault(t["kind"], []).append((first - t["start"]).days)
        print(f"{t['kind']:13} {t['team']:14} {t['service_name'][:34]:34} {t['start_date']}  "
              f"{'caught ' + str(first) if first else 'MISSED'}", file=sys.stderr)
    true_pos = sum(1 for d in found if any(matches(d, t) for t in injected))
    for d in found:
        if not any(matches(d, t) for t in injected):
            print(f"false positive: {d.start} {d.team} {d.service_name} +{d.impact:.2f}", file=sys.stderr)
    return {"detections": len(found), "injected": len(injected),
            "precision": round(true_pos / len(found), 3) if found else None,
            "recall": round(sum(caught) / len(injected), 3) if injected else None,
            "delay_days": {k: v for k, v in sorted(delays.items())}}


def clean_rates(store, con, found) -> dict:
    teams = len(current_org(store).teams)
    first, last = con.execute("select min(ChargeDate), max(ChargeDate) from allocated").fetchone()
    months = ((last - first).days + 1 - 14) / 30.44  # the first two weeks only build the baseline
    floor = alert_min_impact(store)
    alerts = [a for a in found if a.impact >= floor]
    return {"clean_teams": teams, "clean_months": round(months, 1), "clean_anomalies": len(found),
            "clean_alerts": len(alerts),
            "anomalies_per_team_month": round(len(found) / teams / months, 4),
            "alerts_per_team_quarter": round(len(alerts) / teams / months * 3, 4)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--rows", type=int, default=300_000)
    p.add_argument("--data-dir")
    p.add_argument("--clean-dir")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="eval-anomalies-") as tmp:
        data = ensure_demo(args.data_dir, args.seed, args.rows, False, tmp)
        _, _, found, seconds = detect(data)
        out = {"seed": args.seed, "rows": args.rows, **score(found, truth(data)), "detect_s": round(seconds, 2)}
        clean = ensure_demo(args.clean_dir, args.seed, args.rows, True, tmp)
        store, con, quiet, _ = detect(clean)
        for a in quiet:
            print(f"clean-data anomaly: {a.start} {a.team} {a.service_name} +{a.impact:.2f}", file=sys.stderr)
        out.update(clean_rates(store, con, quiet))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
