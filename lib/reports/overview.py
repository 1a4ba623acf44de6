"""The Overview's numbers: month to date vs last month, breakdowns, trend, Unallocated, movers.

Amounts of whole periods are sums of cells (lib.allocation.cells), the same cents every other
page shows; comparisons with the same days of the previous period and the daily chart read the
exact daily allocation, since no cell holds part of a month.

>>> o = overview(con, user, "2026-10", "effective", "USD")     # doctest: +SKIP
>>> o.total, o.previous, o.unallocated                          # doctest: +SKIP
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pandas as pd

from lib.config.calendar import Calendar
from lib.config.org import UNALLOCATED
from lib.core import focus
from lib.reports import freshness, spend
from lib.reports.forecast import HISTORY_DAYS, Forecast, as_of_day, forecast_period


@dataclass(frozen=True)
class Overview:
    period: str
    previous_period: str | None
    currency: str
    total: Decimal
    previous: Decimal
    previous_same_days: Decimal  # last month up to the same day of month: a fair comparison mid-month
    unallocated: Decimal
    by_provider: pd.DataFrame  # key, amount
    by_department: pd.DataFrame
    daily: pd.DataFrame  # ChargeDate, key (provider), amount
    unallocated_trend: pd.DataFrame  # period, share
    movers: pd.DataFrame  # kind, name, previous, current, change
    forecast: Forecast | None = None  # month-end total, when the period is still running


def _frame(rows, columns) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def previous_with_data(periods: list[str], period: str) -> str | None:
    """The latest period with data before `period` (not always the calendar month before)."""
    earlier = [p for p in periods if p < period]
    return earlier[-1] if earlier else None


def _sum(rows) -> Decimal:
    return sum((a for _, _, a in rows), Decimal(0))


def overview(con, user, period: str, metric: str, currency: str, providers=(), today: date | None = None,
             fresh: dict | None = None, cal: Calendar | None = None) -> Overview:
    """today, fresh (provider -> last fully delivered day), cal: what the month-end forecast needs."""
    metric = focus.metric(metric)
    prev = previous_with_data(spend.periods(con), period)
    cur_rows = spend.totals(con, user, period, "department", metric, currency, providers)
    prev_rows = spend.totals(con, user, prev, "department", metric, currency, providers) if prev else []
    where, params = spend.filters_sql(user, [period, prev] if prev else [period], currency, providers)
    days = con.execute(
        f"select max(day(ChargeDate)) filter (where x_BillingPeriod = ?), "
        f"sum({metric}) filter (where x_BillingPeriod <> ? and day(ChargeDate) <= "
        f"(select max(day(ChargeDate)) from allocated where x_BillingPeriod = ?)) from allocated where {where}",
        [period, period, period] + params).fetchone()
    return Overview(
        period, prev, currency, _sum(cur_rows), _sum(prev_rows), days[1] or Decimal(0),
        sum((a for k, _, a in cur_rows if k == UNALLOCATED), Decimal(0)),
        _frame([(k, a) for k, _, a in spend.totals(con, user, period, "provider", metric, currency, providers)],
               ["provider", "amount"]),
        _frame([(k, a) for k, _, a in cur_rows], ["department", "amount"]),
        _frame(spend.daily(con, user, [period], metric, currency, "provider", providers),
               ["day", "provider", "amount"]),
        unallocated_trend(con, user, metric, currency),
        movers(con, user, period, prev, metric, currency, providers) if prev else _frame([], MOVER_COLUMNS),
        month_end_forecast(con, user, period, metric, currency, providers, today, fresh, cal),
    )


def month_end_forecast(con, user, period: str, metric: str, currency: str, providers=(), today: date | None = None,
                       fresh: dict | None = None, cal: Calendar | None = None) -> Forecast | None:
    """Forecast of the period's total while it is still running (lib.reports.forecast.forecast_period)."""
    start, end = (date.fromisoformat(period + "-01"), date(int(period[:4]) + int(period[5:]) // 12,
                                                              int(period[5:]) % 12 + 1, 1))
    where, params = spend.filters_sql(user, None, currency, providers)
    last = con.execute(f"select max(ChargeDate) from allocated where {where}", params).fetchone()[0]
    if last is None:
        return None
    today = today or datetime.now(UTC).date()
    as_of = as_of_day(today, min(last, freshness.last_complete(fresh or {}, last)))
    if as_of >= end - timedelta(days=1) or as_of < start:
        return None
    rows = con.execute(
        f"select ChargeDate, sum({metric}) from allocated where {where} and ChargeDate <= ? "
        f"and ChargeDate > ? group by 1", params + [as_of, as_of - timedelta(days=HISTORY_DAYS)]).fetchall()
    daily = dict(rows)
    actual = sum((a for d, a in rows if d >= start), Decimal(0))
    holidays = cal.days("", as_of - timedelta(days=HISTORY_DAYS), end) if cal else frozenset()
    return forecast_period(daily, actual, start, end, as_of, holidays)


def unallocated_trend(con, user, metric: str, currency: str) -> pd.DataFrame:
    metric = focus.metric(metric)
    where, params = spend.filters_sql(user, None, currency)
    rows = con.execute(
        f"select x_BillingPeriod, sum({metric}) filter (where team = ?), sum({metric}) from cells "
        f"where {where} group by 1 order by 1", [UNALLOCATED] + params).fetchall()
    return _frame([(p, (u or 0) / t * 100 if t else Decimal(0), u or Decimal(0)) for p, u, t in rows],
                  ["period", "share_pct", "amount"])


MOVER_COLUMNS = ["kind", "name", "previous", "current", "change"]


def movers(con, user, period: str, prev: str, metric: str, currency: str, providers=(), n: int = 5) -> pd.DataFrame:
    """Teams and services whose spend grew most, on the same days of month (fair mid-month).

    The current amount is the period's cells; the previous one the same days of the previous period.
    """
    metric = focus.metric(metric)
    now, now_params = spend.filters_sql(user, [period], currency, providers)
    before, before_params = spend.filters_sql(user, [prev], currency, providers)
    rows = []
    for kind, col in (("team", "team"), ("service", "ServiceName")):
        rows += con.execute(
            f"with cur as (select {col} as name, sum({metric}) as cur from cells where {now} group by 1), "
            f"prev as (select {col} as name, sum({metric}) as prev from allocated where {before} "
            f"and day(ChargeDate) <= (select max(day(ChargeDate)) from allocated where x_BillingPeriod = ?) "
            f"group by 1) "
            f"select '{kind}', name, coalesce(prev, 0), coalesce(cur, 0), coalesce(cur, 0) - coalesce(prev, 0) "
            f"from cur full join prev using (name) order by 5 desc, 2 limit {int(n)}",
            now_params + before_params + [period]).fetchall()
    return _frame(rows, MOVER_COLUMNS)
