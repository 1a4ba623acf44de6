"""Where each budget stands: actual spend so far, the forecast to the end of its period, the overrun day.

Actual spend is the sum of the cells of the budget's billing periods (lib.allocation.cells: the
whole bill allocated first, rounded to cents once, then filtered to the budget's team or
department), on one cost basis, in the budget's currency only: every charge ingested for those
months counts, so "spent" is the amount the Teams page and the statements show. One query per
currency fetches those sums and the daily aggregates for every budget at once; the forecast works
on the daily numbers through lib.reports.forecast.forecast_period, the same wiring as the
Overview's (history window, last day counted, holidays). The last day counted is yesterday, or
the last day every provider has fully delivered (lib.reports.freshness); the forecast is what was
spent through that day plus what the days after it will cost, so charges already delivered for a
later day are not counted twice.

>>> rows = budget_status(store, con, user, metric="effective")           # doctest: +SKIP
>>> rows[0].budget.owner, rows[0].actual, rows[0].forecast.total, rows[0].overrun  # doctest: +SKIP
('web', Decimal('6200.00'), Decimal('12950.10'), datetime.date(2026, 3, 29))
"""

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pandas as pd

from lib.allocation import cache, cells
from lib.budgets.budget import Budget, department_of, fiscal_year_start, list_budgets, period_months
from lib.config.calendar import Calendar, calendar
from lib.config.versions import current_org
from lib.core import access, focus
from lib.core.memo import Memo
from lib.core.money import round_total
from lib.reports import freshness
from lib.reports.forecast import HISTORY_DAYS, Forecast, as_of_day, forecast_period
from lib.store.state import Store, state

CACHE_SIZE = 32
_STATUSES = Memo(CACHE_SIZE)  # (store, data+budgets signature, metric, month, day) -> every budget's Status

DAILY_SQL = """
select if(grouping(team) = 0, 'team', 'department'), coalesce(team, department), x_BillingPeriod, ChargeDate,
  sum({metric})
from {view}
where BillingCurrency = ? and (ChargeDate >= ? and ChargeDate < ? or x_BillingPeriod between ? and ?)
group by grouping sets ((team, x_BillingPeriod, ChargeDate), (department, x_BillingPeriod, ChargeDate))
"""
LAST_DAY_SQL = "select max(ChargeDate) from {view} where BillingCurrency = ?"
ACTUAL_SQL = """
select if(grouping(team) = 0, 'team', 'department'), coalesce(team, department), x_BillingPeriod, sum({metric})
from {cells}
where BillingCurrency = ? and x_BillingPeriod between ? and ?
group by grouping sets ((team, x_BillingPeriod), (department, x_BillingPeriod))
"""


@dataclass(frozen=True)
class Status:
    budget: Budget
    department: str
    metric: str
    start: date
    end: date  # exclusive
    as_of: date  # the last day whose spend is counted as actual
    actual: Decimal  # the cells of the budget's billing periods
    forecast: Forecast
    burn_rate: Decimal  # average spend per elapsed day of the period
    overrun: date | None  # first day the actual (then forecast) cumulative spend exceeds the budget
    days: tuple[tuple[date, Decimal], ...]  # actual spend per elapsed day of the period

    @property
    def pct(self) -> Decimal:
        return _pct(self.actual, self.budget.amount)

    @property
    def forecast_pct(self) -> Decimal:
        return _pct(self.forecast.total, self.budget.amount)

    @property
    def state(self) -> str:
        if self.actual > self.budget.amount:
            return "over"
        return "at risk" if self.forecast.total > self.budget.amount else "on track"


def _pct(part: Decimal, whole: Decimal) -> Decimal:
    if whole == 0:
        return Decimal(0) if part <= 0 else Decimal(999)
    return (part * 100 / whole).quantize(Decimal("0.1"))


def period_bounds(period: str, fy_start: int = 1) -> tuple[date, date]:
    """First day and the day after the last day of a budget period."""
    months = period_months(period, fy_start)
    y, m = map(int, months[-1].split("-"))
    return date.fromisoformat(months[0] + "-01"), date(y + m // 12, m % 12 + 1, 1)


def budget_status(store: Store, con, user: access.User, metric: str = "effective", month: str | None = None,
                  now: datetime | None = None, view: str | None = None) -> list[Status]:
    """Status of every budget the user may see (those covering `month` when given).

    view: an allocation to read instead of the `allocated` view, its cells rounded on the fly (default:
    the allocated view and its cells, and results are cached per allocation state, budgets, metric,
    month and day, so the next page view is free).
    """
    access.require(user, "view_spend")
    focus.metric(metric)
    today = (now or datetime.now(UTC)).date()
    if view:
        everything = _compute(store, con, metric, month, today, view)
    else:
        key = (str(store.data_dir), _signature(store), metric, month, today)
        everything = _STATUSES.get(key, lambda: _compute(store, con, metric, month, today, _allocated(store, con),
                                                         "cells"))
    return [s for s in everything if user.sees(s.department)]


def _signature(store: Store) -> str:
    """Changes whenever the allocated data or the budgets change."""
    with state(store) as db:  # the content itself: an edit within the same second must show
        rows = db.execute("select scope, owner, period, amount, currency, thresholds, forecast_thresholds "
                          "from budgets order by id").fetchall()
        fy = db.execute("select value from settings where key = 'fiscal_year_start'").fetchone()
        more = db.execute("select key, value from settings where key like 'calendar.%' or key like 'freshness.%' "
                          "order by key").fetchall()
    digest = hashlib.sha256(repr([tuple(r) for r in rows] + [tuple(r) for r in more]).encode()).hexdigest()
    return f"{cache.state_signature(store)}|{digest}|{fy[0] if fy else ''}"


def _compute(store: Store, con, metric: str, month: str | None, today: date, view: str,
             cell_view: str | None = None) -> list[Status]:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", view):
        raise ValueError(f"not a view name: {view!r}")
    views = (view, cell_view or f"({cells.lattice_sql(view)})")
    org, fy = current_org(store), fiscal_year_start(store)
    budgets = [b for b in list_budgets(store, access.CLI, org) if month is None or month in period_months(b.period, fy)]
    out, fresh, cal = [], freshness.complete_through(store, con), calendar(store)
    for currency in sorted({b.currency for b in budgets}):
        mine = [b for b in budgets if b.currency == currency]
        out += _status_in(con, views, metric, currency, mine, org, fy, today, (fresh, cal))
    return out


def _allocated(store: Store, con) -> str:
    return cache.allocated_view(store, con)


def _status_in(con, views, metric, currency, budgets, org, fy, today, known) -> list[Status]:
    view, rounded = views
    bounds = {b.key: period_bounds(b.period, fy) for b in budgets}
    months = sorted(m for b in budgets for m in period_months(b.period, fy))
    last = con.execute(LAST_DAY_SQL.format(view=view), [currency]).fetchone()[0]
    complete = freshness.last_complete(known[0], last)
    as_of = as_of_day(today, min(complete, last) if complete and last else complete or last)
    lo = min(min(s for s, _ in bounds.values()), as_of - timedelta(days=HISTORY_DAYS))
    hi = max(e for _, e in bounds.values())
    rows = con.execute(DAILY_SQL.format(metric=metric, view=view), [currency, lo, hi, months[0], months[-1]]).fetchall()
    by_owner = defaultdict(list)
    for scope, owner, period, day, amount in rows:
        by_owner[(scope, owner)].append((period, day, amount))
    spent = defaultdict(Decimal)
    for scope, owner, period, amount in con.execute(ACTUAL_SQL.format(metric=metric, cells=rounded),
                                                    [currency, months[0], months[-1]]).fetchall():
        spent[(scope, owner, period)] += amount
    out = []
    for b in budgets:
        start, end = bounds[b.key]
        mine = set(period_months(b.period, fy))
        out.append(_one(b, department_of(org, b), metric, by_owner[(b.scope, b.owner)], start, end, mine, as_of,
                        known[1], sum((spent[(b.scope, b.owner, m)] for m in sorted(mine)), Decimal(0))))
    return out


def _one(b: Budget, dept: str, metric: str, rows, start: date, end: date, months: set, as_of: date,
         cal: Calendar, spent: Decimal) -> Status:
    """One budget's status from what its cells say was spent and its (billing period, day, amount) aggregates."""
    cut = min(as_of, end - timedelta(days=1))
    in_period, history = defaultdict(Decimal), defaultdict(Decimal)
    for period, day, amount in rows:
        if day > as_of:
            continue  # a partial day (or a day after the cut) is not spend "so far"
        if period in months:
            in_period[min(max(day, start), end - timedelta(days=1))] += amount
        history[day] += amount
    so_far = sum(in_period.values(), Decimal(0))  # through as_of: what the forecast of the days after adds to
    holidays = cal.days(b.owner if b.scope == "team" else "", as_of - timedelta(days=HISTORY_DAYS), end)
    fc = forecast_period(history, so_far, start, end, as_of, holidays)
    elapsed = [start + timedelta(days=i) for i in range(max(0, (cut - start).days + 1))]
    days = tuple((d, in_period.get(d, Decimal(0))) for d in elapsed)
    burn = (so_far / len(elapsed)).quantize(Decimal("0.01")) if elapsed else Decimal(0)
    return Status(b, dept, metric, start, end, as_of, spent, fc, burn,
                  _overrun(b.amount, days, fc, max(start, as_of + timedelta(days=1))), days)


def _overrun(amount: Decimal, days, fc: Forecast, next_day: date) -> date | None:
    running = Decimal(0)
    for day, spent in days:
        running += spent
        if running > amount:
            return day
    projected = float(running)
    for i, value in enumerate(fc.daily):
        projected += value
        if projected > float(amount):
            return next_day + timedelta(days=i)
    return None


def label(s: Status) -> str:
    """'web · 2026-03 · USD' (departments marked): how a budget is named in pickers and tables."""
    owner = s.budget.owner if s.budget.scope == "team" else f"{s.budget.owner} (department)"
    return f"{owner} · {s.budget.period} · {s.budget.currency}"


MONEY = ("amount", "actual", "forecast", "likely_low", "likely_high", "burn_per_day")


def status_table(statuses: list[Status]) -> pd.DataFrame:
    """One row per budget for a grid or a CSV: amounts as Decimals in cents, in the row's currency."""
    rows = [{"budget": label(s), "department": s.department, "state": s.state, "currency": s.budget.currency,
             "amount": round_total(s.budget.amount), "actual": s.actual, "used_pct": s.pct,
             "forecast": round_total(s.forecast.total), "forecast_pct": s.forecast_pct,
             "likely_low": round_total(s.forecast.low), "likely_high": round_total(s.forecast.high),
             "overrun": s.overrun, "burn_per_day": s.burn_rate, "as_of": s.as_of} for s in statuses]
    return pd.DataFrame(rows, columns=["budget", "department", "state", "currency", "amount", "actual", "used_pct",
                                       "forecast", "forecast_pct", "likely_low", "likely_high", "overrun",
                                       "burn_per_day", "as_of"])
