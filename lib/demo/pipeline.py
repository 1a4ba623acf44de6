"""The demo company's billing pipeline: a refresh history, and one source that has stopped working.

So that the Health page and `alerts check` have something to say on first start, the demo adds
(once; a rebuild keeps what is there):

- `settings.yaml` in the data folder, unless one exists, configuring the source STALE: a folder
  export that was set up three nights ago but never written, so each nightly refresh failed;
- the refresh history of the last 90 nights (synthetic, like the demo's charges): the demo's
  charges refreshed every night at 02:00 UTC, two nights in a row failing seven weeks ago, and
  STALE failing the last three nights with the problem a real refresh of it reports;
- a freshness target for the source `demo` (file imports are watched only when given one).

>>> runs = history_rows(datetime(2026, 11, 27, 2, tzinfo=UTC), 30_000)
>>> runs[0][:3], runs[-1][:2], len(runs)
(('demo', 'refresh 2026-07, 2026-08 (demo history)', datetime.datetime(2026, 8, 30, 2, 0, tzinfo=datetime.timezone.utc)), ('partner-exports', 'refresh 2026-10, 2026-11 (demo history)'), 93)
"""

import json
import random
from datetime import UTC, date, datetime, timedelta

import yaml

from lib.core.periods import previous_period
from lib.core.problems import Problem
from lib.store.state import Store, state

STALE = "partner-exports"
ACTOR = "demo-history"
NIGHTS = 90
DEMO_FRESHNESS_HOURS = 36
OUTAGE = (47, 46)  # nights ago the demo's own refresh failed, twice in a row
DENIED = "demo: AccessDenied: the billing role may not read the export bucket (credentials rotated)"


def stale_folder(store: Store) -> str:
    return str((store.data_dir / "demo" / STALE).resolve())


def settings_yaml(store: Store) -> str:
    source = {"name": STALE, "provider": "any", "kind": "folder",
              "params": {"path": stale_folder(store), "freshness_hours": 36, "max_data_lag_days": 3}}
    return ("# Demo company: its charges are the file import `demo`. This source was configured three nights ago,\n"
            "# but its export folder was never created: every refresh fails (see the Health page).\n"
            + yaml.safe_dump({"sources": [source]}, sort_keys=False))


def last_night(today: date, now: datetime) -> datetime:
    """02:00 UTC of `today`, or of the day before while that is still ahead."""
    night = datetime(today.year, today.month, today.day, 2, tzinfo=UTC)
    return night if night < now - timedelta(minutes=5) else night - timedelta(days=1)


def history_rows(last: datetime, rows: int, folder: str = "<data>/demo/partner-exports") -> list[tuple]:
    """(source, label, started_at, finished_at, outcome, rows, periods, problems, duration_s) per synthetic run,
    one a night up to the night `last`."""
    rng, per_month = random.Random(7), rows / 13
    out = []
    for ago in range(NIGHTS - 1, -1, -1):
        at = last - timedelta(days=ago)
        month = f"{at:%Y-%m}"
        months = f"{previous_period(month)}, {month}"
        loaded = int(per_month * (1 + at.day / 30) * rng.uniform(0.97, 1.03))
        seconds = round(loaded / 9000 + rng.uniform(0.5, 2.5), 2)
        failed = ago in OUTAGE
        problems = json.dumps([DENIED] if failed else [])
        out.append(("demo", f"refresh {months} (demo history)", at, at + timedelta(seconds=seconds),
                    "failed" if failed else "ok", 0 if failed else loaded, "" if failed else months, problems,
                    round(rng.uniform(1, 3), 2) if failed else seconds))
        if ago < 3:
            problem = str(Problem(STALE, None, "path", f"folder {folder} does not exist"))
            start = at + timedelta(minutes=1)
            out.append((STALE, f"refresh {months} (demo history)", start, start + timedelta(seconds=0.2), "failed",
                        0, "", json.dumps([problem]), 0.2))
    return out


def add(store: Store, today: date, rows: int) -> None:
    """Add the settings and the synthetic history (only what is not there yet); before the demo's import."""
    path = store.data_dir / "settings.yaml"
    if not path.exists():
        path.write_text(settings_yaml(store))
    with state(store, write=True) as db:
        db.execute("insert or ignore into settings (key, value) values ('health.freshness_hours.demo', ?)",
                   (str(DEMO_FRESHNESS_HOURS),))
        if db.execute("select 1 from ingest_runs where actor = ? limit 1", (ACTOR,)).fetchone():
            return
        db.executemany(
            "insert into ingest_runs (source, label, started_at, finished_at, outcome, rows, periods, problems, "
            "actor, duration_s) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(s, label, a.isoformat(timespec="seconds"), b.isoformat(timespec="seconds"), o, n, p, probs, ACTOR, d)
             for s, label, a, b, o, n, p, probs, d in history_rows(last_night(today, datetime.now(UTC)), rows, stale_folder(store))])
