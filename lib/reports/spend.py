"""Spend questions answered from the allocated bill: totals, breakdowns, trends.

Every function takes the user and applies their scope here, so no page or export can
see another department's numbers. The whole bill is allocated first and filtered after,
so a team's share of shared cost is the same whoever looks.

Amounts of a period (totals, breakdowns, monthly sums, Unallocated by reason) are sums of
its cells (lib.allocation.cells: the bill rounded to cents once), so every page, statement
and the journal show the same cents. Only the daily trend, drawn as a chart, reads the exact
daily allocation.

>>> totals(con, user, "2026-10", by="team", metric="effective")      # doctest: +SKIP
[('web', 'USD', Decimal('88211.02')), ('Unallocated', 'USD', Decimal('1204.50')), ...]
"""

from decimal import Decimal

from lib.allocation.engine import UNKNOWN_TAG
from lib.config.org import UNALLOCATED
from lib.core import access, focus

BY = {"team": "team", "department": "department", "provider": "ProviderName", "service": "ServiceName",
      "service_category": "ServiceCategory", "account": "SubAccountId", "region": "RegionId",
      "charge_category": "ChargeCategory", "rule": "coalesce(rule, reason)"}


def scope_sql(user: access.User, alias: str = "") -> tuple[str, list]:
    """SQL condition and parameters limiting rows to the user's departments (true for the whole org)."""
    access.require(user, "view_spend")
    if user.scope is None:
        return "true", []
    if not user.scope:
        return "false", []
    col = f"{alias}.department" if alias else "department"
    return f"{col} in ({', '.join('?' * len(user.scope))})", sorted(user.scope)


def filters_sql(user, periods=None, currency=None, providers=(), teams=(), departments=()) -> tuple[str, list]:
    """WHERE clause and parameters for the user's scope plus the chosen filters."""
    where, params = scope_sql(user)
    for col, values in (("team", teams), ("department", departments)):
        if values:
            where += f" and {col} in ({', '.join('?' * len(values))})"
            params += list(values)
    if periods:
        where += f" and x_BillingPeriod in ({', '.join('?' * len(periods))})"
        params += list(periods)
    if currency:
        where += " and BillingCurrency = ?"
        params.append(currency)
    if providers:
        where += f" and ProviderName in ({', '.join('?' * len(providers))})"
        params += list(providers)
    return where, params


def totals(con, user, period: str, by: str = "team", metric: str = "effective", currency: str | None = None,
           providers=()) -> list[tuple[str, str, Decimal]]:
    """(key, currency, amount in cents) rows for one period, biggest first, Unallocated included.

    Sums of cells: the rows of a currency add up to the period's bill, and each row is the
    same amount every page, statement and the journal show.
    """
    if by not in BY:
        raise ValueError(f"unknown grouping {by!r}; choose one of {', '.join(BY)}")
    where, params = filters_sql(user, [period], currency, providers)
    rows = con.execute(
        f"select coalesce(cast({BY[by]} as varchar), '(none)') as key, BillingCurrency, sum({focus.metric(metric)}) "
        f"from cells where {where} group by 1, 2 order by 2, 3 desc, 1", params).fetchall()
    return [(k, cur, amount) for k, cur, amount in rows]


def currencies(con, user, periods=None) -> list[str]:
    where, params = filters_sql(user, periods)
    return [r[0] for r in con.execute(
        f"select BillingCurrency from cells where {where} group by 1 order by sum(abs(effective)) desc",
        params).fetchall()]


def periods(con) -> list[str]:
    return [r[0] for r in con.execute("select distinct x_BillingPeriod from cells order by 1").fetchall()]


def providers(con) -> list[str]:
    return [r[0] for r in con.execute("select distinct ProviderName from cells order by 1").fetchall()]


def daily(con, user, periods, metric: str, currency: str, by: str | None = None, providers=(),
          teams=(), departments=()) -> list[tuple]:
    """(day, key, exact amount) per day, optionally split by a grouping (e.g. provider, team): for charts."""
    where, params = filters_sql(user, periods, currency, providers, teams, departments)
    key = BY[by] if by else "'total'"
    return con.execute(
        f"select ChargeDate, {key} as key, sum({focus.metric(metric)}) from allocated where {where} "
        f"group by 1, 2 order by 1, 2", params).fetchall()


def unallocated_by_reason(con, user, period: str, metric: str, currency: str) -> list[tuple[str, str, Decimal]]:
    """(reason, rule, amount) of the period's Unallocated spend, biggest first: what to fix next."""
    access.require(user, "view_spend")
    if not user.whole_org:
        return []  # Unallocated belongs to no department: only the whole-org roles see it
    return con.execute(
        f"select case when starts_with(reason, '{UNKNOWN_TAG}') then '{UNKNOWN_TAG}' else reason end, "
        f"coalesce(rule, ''), sum({focus.metric(metric)}) from cells "
        f"where team = ? and x_BillingPeriod = ? and BillingCurrency = ? group by 1, 2 order by 3 desc",
        [UNALLOCATED, period, currency]).fetchall()


def breakdown(con, user, periods, metric: str, currency: str, by: str, providers=(), teams=(),
              departments=()) -> list[tuple[str, Decimal]]:
    """(key, amount in cents) for the chosen periods, biggest first: sums of cells."""
    if by not in BY:
        raise ValueError(f"unknown grouping {by!r}; choose one of {', '.join(BY)}")
    where, params = filters_sql(user, periods, currency, providers, teams, departments)
    return con.execute(
        f"select coalesce(cast({BY[by]} as varchar), '(none)'), sum({focus.metric(metric)}) from cells "
        f"where {where} group by 1 order by 2 desc", params).fetchall()


def monthly(con, user, metric: str, currency: str, by: str | None = None, providers=(), teams=(),
            departments=()) -> list[tuple]:
    """(period, key, amount in cents) for every period, optionally split by a grouping: sums of cells."""
    where, params = filters_sql(user, None, currency, providers, teams, departments)
    key = BY[by] if by else "'total'"
    return con.execute(
        f"select x_BillingPeriod, {key}, sum({focus.metric(metric)}) from cells where {where} "
        f"group by 1, 2 order by 1, 2", params).fetchall()
