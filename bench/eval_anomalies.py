"""Evaluate anomaly detection against ground truth: the demo company, or realistic bills over many seeds.

    python bench/eval_anomalies.py --bill realistic --seeds 1-20        # lib/demo/realistic.py
    python bench/eval_anomalies.py --bill demo [--seed 7] [--rows 300000] [--data-dir DIR] [--clean-dir DIR]

Builds each bill (and its clean variant: same rhythms and noise, no injected anomalies), runs the
same detection as `python -m lib anomalies`, and prints per injected anomaly whether and when it
was caught (stderr), then one JSON line: precision, recall, detection delay in days per kind,
false anomalies per team per month, and anomalies and alerts per team per quarter on the clean
variant.

A detection matches an injected anomaly when it is for the same team (any of its services or
accounts) and starts between the day before the anomaly and its last day (for a level shift or a
new service, which never end, within 28 days of its start). Only days after WARMUP days of a
bill count, for detections and clean-variant alerts alike: a baseline learns a monthly rhythm
from two months, and a real installation imports a year of history before its first alert.
"""

import argparse
import csv
import json
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.alerts.anomaly import alert_min_impact
from lib.anomalies import detect as anomalies_detect
from lib.config.versions import current_org
from lib.core import access
from lib.demo import build, realistic
from lib.store.lake import engine
from lib.store.state import open_store

WARMUP = 90
PERSISTENT = ("level_shift", "new_service")


def truth(data_dir: Path) -> list[dict]:
    with open(data_dir / "demo" / "anomalies_truth.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["start"], r["end"] = date.fromisoformat(r["start_date"]), date.fromisoformat(r["end_date"])
    return rows


def realistic_truth(bill) -> list[dict]:
    return [{"kind": k, "team": t, "service_name": s, "account": a, "start": b, "end": e, "start_date": str(b)}
            for k, t, s, a, b, e, _ in bill.truth]


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
    last = min(t["end"], t["start"] + timedelta(days=28)) if t["kind"] in PERSISTENT else t["end"]
    return d.team == t["team"] and (t["start"].toordinal() - 1) <= d.start.toordinal() <= last.toordinal()


def score(found, injected, quiet: bool = False) -> dict:
    caught, delays = [], {}
    for t in injected:
        hits = [d for d in found if matches(d, t)]
        first = min((d.start for d in hits), default=None)
        caught.append(first is not None)
        if first is not None:
            delays.setdefault(t["kind"], []).append((first - t["start"]).days)
        if not quiet or first is None:
            print(f"{t['kind']:13} {t['team']:14} {t['service_name'][:34]:34} {t['start_date']}  "
                  f"{'caught ' + str(first) if first else 'MISSED'}", file=sys.stderr)
    false = [d for d in found if not any(matches(d, t) for t in injected)]
    for d in false:
        print(f"false positive: {d.start} {d.explanation}", file=sys.stderr)
    return {"detections": len(found), "true_detections": len(found) - len(false), "injected": len(injected),
            "caught": sum(caught), "false": len(false), "delays": delays}


def scored_since(con) -> tuple[date, float]:
    first, last = con.execute("select min(ChargeDate), max(ChargeDate) from allocated").fetchone()
    start = first + timedelta(days=WARMUP)
    return start, ((last - start).days + 1) / 30.44


def clean_counts(store, con, found) -> dict:
    start, months = scored_since(con)
    floor = alert_min_impact(store)
    found = [a for a in found if a.start >= start]
    for a in found:
        print(f"clean-data anomaly: {a.start} {a.explanation}", file=sys.stderr)
    return {"teams": len(current_org(store).teams), "months": months, "anomalies": len(found),
            "alerts": sum(1 for a in found if a.impact >= floor)}


def summary(parts: list[dict], cleans: list[dict]) -> dict:
    det, true = sum(p["detections"] for p in parts), sum(p["true_detections"] for p in parts)
    delays: dict[str, list[int]] = {}
    for p in parts:
        for kind, v in p["delays"].items():
            delays.setdefault(kind, []).extend(v)
    team_months = sum(p["teams"] * p["months"] for p in parts)
    clean_tm = sum(c["teams"] * c["months"] for c in cleans)
    return {"precision": round(true / det, 3) if det else None,
            "recall": round(sum(p["caught"] for p in parts) / sum(p["injected"] for p in parts), 3),
            "median_delay_days": {k: sorted(v)[len(v) // 2] for k, v in sorted(delays.items())},
            "max_delay_days": {k: max(v) for k, v in sorted(delays.items())},
            "false_per_team_month": round(sum(p["false"] for p in parts) / team_months, 4),
            "clean_anomalies_per_team_quarter": round(sum(c["anomalies"] for c in cleans) / clean_tm * 3, 4),
            "clean_alerts_per_team_quarter": round(sum(c["alerts"] for c in cleans) / clean_tm * 3, 4),
            "detections": det, "injected": sum(p["injected"] for p in parts)}


def one_realistic(seed: int, tmp: Path) -> tuple[dict, dict, float]:
    bill = realistic.build(open_store(tmp / f"r{seed}"), seed)
    store, con, found, seconds = detect(tmp / f"r{seed}")
    start, months = scored_since(con)
    part = score([a for a in found if a.start >= start], realistic_truth(bill), quiet=True)
    part.update(teams=len(bill.teams), months=months)
    realistic.build(open_store(tmp / f"c{seed}"), seed, clean=True)
    clean = clean_counts(*detect(tmp / f"c{seed}")[:3])
    return part, clean, seconds


def seeds(text: str) -> list[int]:
    a, _, b = text.partition("-")
    return list(range(int(a), int(b or a) + 1))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bill", choices=["demo", "realistic"], default="demo")
    p.add_argument("--seeds", default="1-20", help="realistic bills: a seed or a range like 1-20")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--rows", type=int, default=300_000)
    p.add_argument("--data-dir")
    p.add_argument("--clean-dir")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="eval-anomalies-") as tmp:
        if args.bill == "realistic":
            runs = [one_realistic(s, Path(tmp)) for s in seeds(args.seeds)]
            out = {"bill": "realistic", "seeds": args.seeds, **summary([r[0] for r in runs], [r[1] for r in runs]),
                   "detect_s_median": sorted(r[2] for r in runs)[len(runs) // 2]}
        else:
            data = ensure_demo(args.data_dir, args.seed, args.rows, False, tmp)
            store, con, found, seconds = detect(data)
            start, months = scored_since(con)
            part = score([a for a in found if a.start >= start], [t for t in truth(data) if t["start"] >= start])
            part.update(teams=len(current_org(store).teams), months=months)
            clean = clean_counts(*detect(ensure_demo(args.clean_dir, args.seed, args.rows, True, tmp))[:3])
            out = {"bill": "demo", "seed": args.seed, "rows": args.rows, **summary([part], [clean]),
                   "detect_s": round(seconds, 2)}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
