"""The ingest log read back: run history, freshness per source, and a run's totals per period.

Every import and refresh is one row of `ingest_runs` (source, periods, rows, totals per
currency, duration, outcome, problems), written by lib.sources.ingest and lib.sources.refresh.

>>> [(s.source, s.latest_period) for s in freshness(store)]        # doctest: +SKIP
[('aws-prod', '2026-07')]
"""

import json
from dataclasses import dataclass
from decimal import Decimal

from lib.core import access
from lib.core.money import fmt
from lib.store import usage
from lib.store.lake import lake_source, new_duck
from lib.store.state import Store, state


@dataclass(frozen=True)
class SourceStatus:
    source: str
    last_success: str | None  # when the last successful run finished (UTC, ISO)
    latest_period: str | None  # the newest billing period with data served
    last_outcome: str  # outcome of the most recent run: ok | failed | running | interrupted (killed)
    runs: int


def history(store: Store, user: access.User, limit: int = 50, source: str | None = None) -> list[dict]:
    """The newest runs first, problems decoded; totals stay text (exact Decimal strings). Admins only:
    a run's totals are the whole bill of its accounts."""
    access.require(user, "manage_sources")
    sql = ("select id, source, label, actor, started_at, finished_at, outcome, rows, periods, totals, problems, "
           "duration_s from ingest_runs where (? is null or source = ?) order by id desc limit ?")
    with state(store) as db:
        rows = [dict(r) for r in db.execute(sql, (source, source, limit)).fetchall()]
    for r in rows:
        r["problems"] = json.loads(r["problems"] or "[]")
        r["totals"] = json.loads(r["totals"] or "{}")
    return rows


def freshness(store: Store) -> list[SourceStatus]:
    """Per source: last successful refresh, newest period served, last outcome."""
    sql = """
        select r.source, max(case when r.outcome = 'ok' then r.finished_at end),
               (select max(period) from (select period from lake_files f where f.source = r.source and f.active = 1
                                         union all select period from usage_files u
                                         where u.source = r.source and u.active = 1)),
               (select outcome from ingest_runs l where l.source = r.source order by id desc limit 1), count(*)
        from ingest_runs r group by r.source order by r.source"""
    with state(store) as db:
        return [SourceStatus(*row) for row in db.execute(sql).fetchall()]


def period_totals(store: Store, user: access.User, run_id: int | None) -> list[tuple]:
    """(period, currency, billed, effective) of the rows one run loaded, from its lake files (admins only)."""
    access.require(user, "manage_sources")
    if run_id is None:
        return []
    with state(store) as db:
        files = [str(store.lake / r[0]) for r in db.execute("select path from lake_files where run_id = ?",
                                                              (run_id,)).fetchall()]
    if not files:
        return []
    con = new_duck()
    return con.execute(f"select x_BillingPeriod, BillingCurrency, sum(BilledCost), sum(EffectiveCost) "
                       f"from {lake_source(store, files)} group by 1, 2 order by 1, 2").fetchall()


def usage_totals(store: Store, user: access.User, run_id: int | None) -> list[tuple]:
    """(period, metric, cluster, keys, days, rows) of the usage one run loaded, from its lake files (admins only)."""
    access.require(user, "manage_sources")
    with state(store) as db:
        files = [str(store.lake / r[0]) for r in db.execute("select path from usage_files where run_id = ?",
                                                              (run_id,)).fetchall()]
    if not files:
        return []
    return new_duck().execute(
        f"select x_UsagePeriod, Metric, Cluster, count(distinct UsageKey), count(distinct UsageDate), count(*) "
        f"from {usage.parquet_source(files)} group by 1, 2, 3 order by 1, 2, 3").fetchall()


def when(stamp: str | None) -> str | None:
    """'2026-12-01T11:00:09+00:00' -> '2026-12-01 11:00 UTC' (times are stored in UTC)."""
    return f"{stamp[:10]} {stamp[11:16]} UTC" if stamp and len(stamp) >= 16 else stamp


def span(periods: str | None) -> str:
    """'2025-12,2026-01,…,2026-12' -> '2025-12 – 2026-12 (13)'; up to three periods as they are.

    >>> span("2026-10,2026-11"), span("2025-12,2026-01,2026-02,2026-03")
    ('2026-10, 2026-11', '2025-12 – 2026-03 (4)')
    """
    items = [p for p in (periods or "").split(",") if p]
    return ", ".join(items) if len(items) <= 3 else f"{items[0]} – {items[-1]} ({len(items)})"


def source_table(store: Store, configured: list) -> list[dict]:
    """Display rows, one per configured source (and per source seen only in the log): freshness, last outcome."""
    status = {s.source: s for s in freshness(store)}
    rows = [{"Source": c.name, "Provider": c.provider, "Kind": c.kind} for c in configured]
    rows += [{"Source": name, "Provider": "", "Kind": "file import"} for name in status
             if name not in {c.name for c in configured}]
    for row in rows:
        s = status.get(row["Source"])
        row.update({"Last success": when(s.last_success) if s else None, "Newest period": s.latest_period if s else None,
                    "Last run": s.last_outcome if s else "never run", "Runs": s.runs if s else 0})
    return rows


def history_table(store: Store, user: access.User, limit: int = 100) -> list[dict]:
    """The run history as display rows: outcome first, totals per currency in money and problems as short text."""
    out = []
    for r in history(store, user, limit):
        totals = "; ".join(f"billed {fmt(Decimal(v['billed']), cur)}, effective {fmt(Decimal(v['effective']), cur)}"
                           for cur, v in r["totals"].items())
        problems = "; ".join(r["problems"][:3]) + (f" (+{len(r['problems']) - 3} more)" if len(r["problems"]) > 3
                                                   else "")
        out.append({"Run": r["id"], "Source": r["source"], "Outcome": r["outcome"], "Periods": span(r["periods"]),
                    "Rows": r["rows"], "Totals": totals, "Seconds": r["duration_s"], "Finished": when(r["finished_at"]),
                    "By": r["actor"], "What": r["label"], "Problems": problems})
    return out
