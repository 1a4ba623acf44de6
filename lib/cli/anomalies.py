"""Anomaly verbs: `anomalies [--since YYYY-MM-DD] [--metric ...]` prints CSV, most severe first."""

from datetime import date

from lib.anomalies import detect
from lib.cli import add_verb, fail, write_csv
from lib.core import access, focus, money
from lib.store.lake import engine

HEADER = ["date", "team", "service_name", "account", "actual", "expected", "impact", "currency", "end_date", "days",
          "severity", "state", "explanation", "key"]


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--since {value!r} is not a date like 2026-07-01")


def list_anomalies(store, args) -> int:
    found = detect.find(store, engine(store), access.CLI, args.metric, _since(args.since))
    write_csv(HEADER, [[a.start.isoformat(), a.team, a.service_name, a.account, money.round_total(a.actual),
                        money.round_total(a.expected), money.round_total(a.impact), a.currency,
                        a.end.isoformat(), a.days, a.severity, a.state, a.explanation, a.key] for a in found])
    return 0


def register(sub) -> None:
    p = add_verb(sub, "anomalies")
    p.add_argument("--since", help="only anomalies starting on or after this date (YYYY-MM-DD)")
    p.add_argument("--metric", choices=sorted(focus.METRICS), default="effective", help="cost basis")
    p.set_defaults(run=list_anomalies)
