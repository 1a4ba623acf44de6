"""Health of the books: the audit chain verifies, the allocation cache is current, the months reconcile.

Reconciliation is checked for the newest open period and the last closed one. An open period
that reconciled before and no longer does fails (the pass is remembered in the setting
`health.reconciled.<period>`); one that never did only warns (that is the close's business).
A closed period passed at its close, so any difference now fails: a provider restated it after
the close (the difference is charged on the next open period's statements, finance reviews it
there) or its frozen numbers no longer add up. A period closed with an override only warns.

>>> [c.name for c in reconcile_checks(store, con, now)]      # doctest: +SKIP
['reconcile:2026-11', 'reconcile:2026-10']
"""

from datetime import datetime, timedelta

from lib.alerts.health_check import FAIL, OK, WARN, Check, ago
from lib.allocation import cache
from lib.core import access, money
from lib.month_end import closes, reconcile
from lib.store import audit
from lib.store.state import Store, now_iso, state

CACHE_GRACE = timedelta(hours=2)  # a refresh or rule change is allocated by the next page view or alerts check


def audit_check(store: Store, con, now: datetime) -> list[Check]:
    problems = audit.verify(store)
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        return [Check("audit", FAIL, f"the audit trail does not verify: {problems[0]}{more}")]
    with state(store) as db:
        count = db.execute("select count(*) from audit_log").fetchone()[0]
    return [Check("audit", OK, f"hash chain of {count:,} entries intact")]


def _changed_at(store: Store) -> datetime | None:
    """When the allocation's inputs last changed: the newest ingest, rules or org version."""
    with state(store) as db:
        row = db.execute("select max(t) from (select max(finished_at) as t from ingest_runs where outcome = 'ok' "
                         "union all select max(created_at) from rule_versions "
                         "union all select max(created_at) from org_versions)").fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def open_periods(store: Store) -> list[str]:
    closed = closes.closed_periods(store)
    return [p for p in cache.periods(store) if p not in closed]


def cache_check(store: Store, con, now: datetime) -> list[Check]:
    """Every open period has an allocation for its current data, rules and org (closed ones are pinned)."""
    stale, broken = [], []
    with state(store) as db:
        cached = {(p, k): path for p, k, path in db.execute("select period, cache_key, path from allocation_cache")}
    for period in open_periods(store):
        inp = cache.inputs(store, period)
        path = cached.get((period, cache.cache_key(inp)))
        if path is None or not (store.lake / path).exists():
            problems = cache.parsed(inp)[2]
            (broken if problems else stale).append(problems[0] if problems else period)
    if broken:
        return [Check("allocation", FAIL, f"{broken[0]}" + (f" (+{len(broken) - 1} more)" if len(broken) > 1 else ""))]
    if not stale:
        return [Check("allocation", OK, f"current for all {len(open_periods(store))} open period(s)")]
    changed = _changed_at(store)
    waiting = ago(now - changed) if changed else "?"
    status = WARN if changed is None or now - changed > CACHE_GRACE else OK
    listed = ", ".join(stale[:3]) + (f" (+{len(stale) - 3} more)" if len(stale) > 3 else "")
    return [Check("allocation", status, f"not allocated for the current data and rules: {listed} "
                                        f"(inputs changed {waiting} ago; `python -m lib allocate` computes it)")]


def _remembered(store: Store, period: str, passed: bool) -> str | None:
    """When an open period last reconciled; records a pass."""
    key = f"health.reconciled.{period}"
    if passed:
        with state(store, write=True, durable=False) as db:
            db.execute("insert or replace into settings (key, value) values (?, ?)", (key, now_iso()))
    with state(store) as db:
        row = db.execute("select value from settings where key = ?", (key,)).fetchone()
    return row[0] if row else None


def _open_check(store: Store, result) -> Check:
    name = f"reconcile:{result.period}"
    blocking = [str(d) for d in result.differences] or ["no charges to reconcile"]
    passed_at = _remembered(store, result.period, result.passed)
    if result.passed:
        return Check(name, OK, f"open period reconciles: invoiced = ingested = allocated = statements "
                               f"({len(result.rows)} rows)")
    if passed_at:
        return Check(name, FAIL, f"stopped reconciling (it passed on {passed_at[:16]}): {blocking[0]}")
    return Check(name, WARN, f"open period does not reconcile yet: {blocking[0]}")


def _restatement(d: reconcile.Restatement) -> str:
    where = " / ".join(x for x in (d.provider, d.billing_account, d.currency) if x)
    return f"{where} {'+' if d.amount > 0 else ''}{money.fmt(d.amount, d.currency)}"


def _closed_check(store: Store, result, record, next_open: str | None) -> Check:
    name = f"reconcile:{result.period}"
    blocking = [str(d) for d in result.differences]
    restated = [_restatement(r) for r in result.restatements]
    if blocking and record.override_reason:
        return Check(name, WARN, f"closed with an override ({record.override_reason}): {blocking[0]}")
    if blocking:
        return Check(name, FAIL, f"closed period no longer reconciles: {blocking[0]}")
    if restated:
        where = f"{next_open}'s statements" if next_open else "the next open period's statements"
        more = f" (+{len(restated) - 1} more)" if len(restated) > 1 else ""
        return Check(name, FAIL, f"restated by the provider after its close: {restated[0]}{more}; charged on {where}")
    return Check(name, OK, f"closed period still matches its close (issue {record.issue})")


def reconcile_checks(store: Store, con, now: datetime) -> list[Check]:
    closed = closes.closed_periods(store)
    periods = cache.periods(store)
    newest_open = max((p for p in periods if p not in closed), default=None)
    last_closed = max(closed, default=None)
    if newest_open is None and last_closed is None:
        return [Check("reconcile", OK, "no billing data yet")]
    cache.refresh_view(store, con)  # rebuilt only when the data, rules or org moved (a page's is current)
    out = []
    if newest_open:
        out.append(_open_check(store, reconcile.reconcile(store, con, access.CLI, newest_open)))
    if last_closed:
        record = closed[last_closed]
        result = reconcile.reconcile(store, con, access.CLI, last_closed, record.metric)
        following = min((p for p in periods if p > last_closed and p not in closed), default=None)
        out.append(_closed_check(store, result, record, following))
    return out
