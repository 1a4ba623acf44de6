"""Health of the billing sources: refreshed within their freshness target, last run ok, data recent enough.

Watched: every source configured in settings.yaml, and any other source (a file import) given a
freshness target in the settings table. Targets, per source:

    sources:                                 # settings.yaml
      - name: aws-prod
        params: {freshness_hours: 36, max_data_lag_days: 3}   # these are the defaults

or the settings `health.freshness_hours.<source>` and `health.data_lag_days.<source>` (they win).
A refresh failing once is a warning (the previous data is still served); twice in a row, or a
source past its freshness target, fails. Data through a day more than `max_data_lag_days` ago
fails too: providers deliver a day late (Azure up to three), a week means the export stopped.

>>> [c.name for c in refresh_checks(store, con, now)]        # doctest: +SKIP
['refresh:aws-prod', 'refresh:demo']
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from lib.alerts.health_check import FAIL, OK, WARN, Check, ago
from lib.core import access
from lib.sources.refresh import load_sources
from lib.store import usage as usage_lake
from lib.store.lake import new_duck
from lib.store.state import Store, state

FRESHNESS_HOURS = 36.0
DATA_LAG_DAYS = 3
TREND_DAYS = 90


@dataclass(frozen=True)
class Target:
    source: str
    freshness_hours: float
    data_lag_days: int


@dataclass(frozen=True)
class SourceRuns:
    source: str
    last_success: str | None  # when the newest successful run finished
    last_finished: str | None  # the newest run, whatever its outcome
    last_duration_s: float | None
    last_rows: int
    last_outcome: str
    failures: int  # failed or interrupted runs since the last successful one
    failed_run: int | None  # the newest failed run
    problem: str  # its first problem
    first_run: str


def targets(store: Store) -> tuple[list[Target], list[str]]:
    """The watched sources with their targets, and what is wrong with settings.yaml."""
    sources, errors = load_sources(store)
    with state(store) as db:
        rows = db.execute("select key, value from settings where key like 'health.freshness_hours.%' "
                          "or key like 'health.data_lag_days.%'").fetchall()
    override = {key.removeprefix("health."): value for key, value in rows}
    params = {s.name: s.params for s in sources}
    names = list(params) + sorted({k.split(".", 1)[1] for k in override} - set(params))
    found = []
    for name in names:
        p = params.get(name, {})
        hours = override.get(f"freshness_hours.{name}", p.get("freshness_hours", FRESHNESS_HOURS))
        lag = override.get(f"data_lag_days.{name}", p.get("max_data_lag_days", DATA_LAG_DAYS))
        found.append(Target(name, float(hours), int(lag)))
    return found, errors


RUNS_SQL = """
with s as (
  select source, max(case when outcome = 'ok' then id end) as ok_id, max(id) as last_id,
         max(case when outcome = 'ok' then finished_at end) as last_success,
         max(case when outcome <> 'ok' then id end) as failed_id, min(started_at) as first_run
  from ingest_runs where outcome <> 'running' group by source)
select s.source, s.last_success, l.finished_at, l.duration_s, l.rows, l.outcome,
       (select count(*) from ingest_runs r where r.source = s.source and r.id > coalesce(s.ok_id, 0)
        and r.outcome in ('failed', 'interrupted')),
       s.failed_id, f.problems, s.first_run
from s join ingest_runs l on l.id = s.last_id left join ingest_runs f on f.id = s.failed_id
order by s.source"""


def source_runs(store: Store) -> dict[str, SourceRuns]:
    """Per source in the ingest log: its newest runs, as the checks and the Prometheus gauges read them."""
    with state(store) as db:
        rows = db.execute(RUNS_SQL).fetchall()
    out = {}
    for source, success, finished, duration, n, outcome, failures, failed_id, problems, first in rows:
        problem = (json.loads(problems or "[]") or [""])[0]
        out[source] = SourceRuns(source, success, finished, duration, n, outcome, failures, failed_id, problem, first)
    return out


def freshness_check(t: Target, runs: SourceRuns | None, now: datetime) -> Check:
    name, target = f"refresh:{t.source}", f"target {t.freshness_hours:g} h"
    if runs is None:
        return Check(name, WARN, f"never refreshed: run `python -m lib refresh --source {t.source}`")
    failed = f"the last {runs.failures} runs failed" if runs.failures > 1 else "the last run failed"
    why = f"{failed}: {runs.problem}" if runs.failures else ""
    if runs.last_success is None:
        status = FAIL if runs.failures > 1 else WARN
        return Check(name, status, f"never refreshed successfully; {why}", runs.failed_run)
    since = max(timedelta(0), now - datetime.fromisoformat(runs.last_success))
    if since > timedelta(hours=t.freshness_hours):
        reason = f"stale: last successful refresh {ago(since)} ago ({target})" + (f"; {why}" if why else "")
        return Check(name, FAIL, reason, runs.failed_run if runs.failures else None)
    if runs.failures:
        status = FAIL if runs.failures > 1 else WARN
        return Check(name, status, f"{why}; the data of {ago(since)} ago is still served", runs.failed_run)
    return Check(name, OK, f"refreshed {ago(since)} ago ({target}): {runs.last_rows:,} rows in "
                           f"{runs.last_duration_s or 0:g} s")


def refresh_checks(store: Store, con, now: datetime) -> list[Check]:
    found, errors = targets(store)
    runs = source_runs(store)
    checks = [Check("refresh:settings", FAIL, "; ".join(errors))] if errors else []
    return checks + [freshness_check(t, runs.get(t.source), now) for t in found]


def data_through(con, now: datetime) -> dict[str, date]:
    """Per source, the newest day up to now it has charges for (set-based over the lake's `charges` view)."""
    rows = con.execute("select x_Source, max(cast(ChargePeriodStart as date)) from charges "
                       "where ChargePeriodStart <= ? group by 1", [now.replace(tzinfo=None)]).fetchall()
    return {source: day for source, day in rows if day is not None}


def usage_through(store: Store, now: datetime) -> dict[str, date]:
    """Per usage source (OpenCost, usage CSVs), the newest day up to now it has usage for."""
    files = usage_lake.files(store)
    if not files:
        return {}
    rows = new_duck().execute(f"select x_Source, max(UsageDate) from {usage_lake.parquet_source(files)} "
                              f"where UsageDate <= ? group by 1", [now.date()]).fetchall()
    return {source: day for source, day in rows if day is not None}


def data_checks(store: Store, con, now: datetime) -> list[Check]:
    days, used = data_through(con, now), usage_through(store, now)
    out = []
    for t in targets(store)[0]:
        name, last = f"data:{t.source}", days.get(t.source) or used.get(t.source)
        if last is None:
            out.append(Check(name, WARN, "no charges from this source yet"))
            continue
        lag = (now.date() - last).days
        status = FAIL if lag > t.data_lag_days else OK
        what = "charges" if t.source in days else "usage"
        out.append(Check(name, status, f"{what} through {last} ({lag} day{'s' * (lag != 1)} ago; "
                                       f"target {t.data_lag_days} days)"))
    return out


TRENDS_SQL = """
select id as run, source, started_at, outcome, rows, duration_s, label from ingest_runs
where started_at >= ? and outcome <> 'running' order by started_at, id"""


def trends(store: Store, user: access.User, now: datetime, days: int = TREND_DAYS) -> pd.DataFrame:
    """Every finished run of the last `days` days: run, source, started_at, outcome, rows, duration_s, label."""
    access.require(user, "manage_sources")
    since = (now - timedelta(days=days)).isoformat(timespec="seconds")
    with state(store) as db:
        rows = [tuple(r) for r in db.execute(TRENDS_SQL, (since,)).fetchall()]
    frame = pd.DataFrame(rows, columns=["run", "source", "started_at", "outcome", "rows", "duration_s", "label"])
    frame["started_at"] = pd.to_datetime(frame["started_at"], utc=True, format="ISO8601")
    return frame


def failed_runs(store: Store, user: access.User, run_ids: list[int]) -> list[dict]:
    """The named runs with their problems decoded (what the Health page links to)."""
    access.require(user, "manage_sources")
    if not run_ids:
        return []
    marks = ",".join("?" * len(run_ids))
    with state(store) as db:
        rows = db.execute(f"select id, source, label, started_at, outcome, problems from ingest_runs "
                          f"where id in ({marks}) order by id desc", run_ids).fetchall()
    return [dict(r) | {"problems": json.loads(r["problems"] or "[]")} for r in rows]
