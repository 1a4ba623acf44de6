"""Scheduled jobs, their run records, and the health checks' dead man's switch on them.

A job is expected every N hours (the setting `health.schedule_hours.<job>`, default SCHEDULES).
Refresh runs are the ingest log's `refresh ...` runs (lib.sources); `alerts check` records
itself here, at its start, so a run that crashes half way still shows that the job runs.

>>> run_id = start(store, "alerts-check")                     # doctest: +SKIP
>>> finish(store, run_id, "ok", "3 alert(s) due: 3 sent")     # doctest: +SKIP
>>> missed_runs(timedelta(hours=2, minutes=10), 1.0)
2
>>> missed_runs(timedelta(minutes=64), 1.0)
0
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from lib.alerts.health_check import FAIL, OK, WARN, Check, ago
from lib.sources.refresh import load_sources
from lib.store.state import Store, now_iso, state

SCHEDULES = {"refresh": 24.0, "alerts-check": 1.0}  # hours between runs the crontab in README sets up
COMMANDS = {"refresh": "python -m lib refresh", "alerts-check": "python -m lib alerts check"}


@dataclass(frozen=True)
class LastRun:
    job: str
    started_at: str
    outcome: str  # ok | failed | running
    summary: str


def start(store: Store, job: str) -> int:
    with state(store, write=True) as db:
        return db.execute("insert into job_runs (job, started_at) values (?, ?)", (job, now_iso())).lastrowid


def finish(store: Store, run_id: int, outcome: str, summary: str, started: float | None = None) -> None:
    with state(store, write=True) as db:
        db.execute("update job_runs set finished_at = ?, outcome = ?, summary = ?, duration_s = ? where id = ?",
                   (now_iso(), outcome, summary[:500], round(time.time() - started, 3) if started else None, run_id))


def schedules(store: Store) -> dict[str, float]:
    """job -> hours between runs: the defaults, overridden by `health.schedule_hours.<job>` settings."""
    with state(store) as db:
        rows = db.execute("select key, value from settings where key like 'health.schedule_hours.%'").fetchall()
    found = dict(SCHEDULES)
    for key, value in rows:
        job = key.removeprefix("health.schedule_hours.")
        if job in SCHEDULES:
            found[job] = float(value)
    return found


def last_run(store: Store, job: str) -> LastRun | None:
    """The newest run of a job: from job_runs, or for `refresh` the newest refresh in the ingest log."""
    with state(store) as db:
        if job == "refresh":
            row = db.execute("select started_at, outcome, source || ': ' || label from ingest_runs "
                             "where label like 'refresh%' order by started_at desc, id desc limit 1").fetchone()
        else:
            row = db.execute("select started_at, outcome, summary from job_runs where job = ? order by id desc "
                             "limit 1", (job,)).fetchone()
    return LastRun(job, *row) if row else None


def missed_runs(age: timedelta, hours: float) -> int:
    """How many runs were due since the last one started: a tenth of the interval (at least 5 minutes) of grace."""
    interval = timedelta(hours=hours)
    grace = max(interval / 10, timedelta(minutes=5))
    return max(0, int((age - grace) / interval))


def age(started_at: str, now: datetime) -> timedelta:
    return max(timedelta(0), now - datetime.fromisoformat(started_at))


def job_check(store: Store, job: str, hours: float, now: datetime) -> Check:
    """ok while the job runs on schedule; warn after one missed run (or when it never ran); fail after two."""
    name, every = f"job:{job}", f"every {hours:g} h"
    if job == "refresh" and not load_sources(store)[0]:
        return Check(name, OK, "no billing sources configured in settings.yaml: nothing to refresh")
    last = last_run(store, job)
    if last is None:
        return Check(name, WARN, f"has never run: schedule `{COMMANDS[job]}` {every} (README, Scheduling)")
    since = age(last.started_at, now)
    missed = missed_runs(since, hours)
    when = f"last run {ago(since)} ago, expected {every}"
    if missed >= 2:
        return Check(name, FAIL, f"missed {missed} runs: {when}; is the crontab or timer still installed?")
    if missed == 1:
        return Check(name, WARN, f"missed a run: {when}")
    if job != "refresh" and last.outcome == "failed":
        return Check(name, WARN, f"{when}; it reported: {last.summary}")
    return Check(name, OK, when + (f" ({last.outcome})" if last.outcome != "ok" else ""))


def job_checks(store: Store, con, now: datetime) -> list[Check]:
    return [job_check(store, job, hours, now) for job, hours in schedules(store).items()]
