"""Drill-down below the daily rollup: a team's resources and line items, with the rule and share.

The period is allocated once more per resource and SKU for the whole month (same engine,
same inputs, more dimensions; see lib.allocation.resources) and each of its cells' cents is split
over its resources by largest remainder (resource_cents_file), so a team's resource list adds up,
to the cent, to the team's total and lines on every other page. Shared costs the
team receives through a split are listed per rule, not per resource ("(shared: rule)"): a
split repeats each of its rows once per team, and at resource grain that would not scale.

>>> top_resources(store, con, user, "2026-10", "web", "effective", "USD")   # doctest: +SKIP
"""

import pandas as pd

from lib.allocation import resources
from lib.core import access, focus, money
from lib.reports import spend


def _team_rows(store, con, user, period: str, team: str, metric: str, currency: str, select: str, tail: str,
               extra: list | None = None):
    access.require(user, "view_spend")
    where, params = spend.scope_sql(user)
    metric = focus.metric(metric)
    source = resources.resource_cents_file(store, con, period, metric)
    return con.execute(
        f"select {select.format(metric=metric)} from {source} "
        f"where {where} and team = ? and BillingCurrency = ? {tail.format(metric=metric)}",
        params + [team, currency] + (extra or [])).fetchall()


def top_resources(store, con, user, period: str, team: str, metric: str, currency: str, n: int = 20) -> pd.DataFrame:
    rows = _team_rows(store, con, user, period, team, metric, currency,
                      "coalesce(ResourceId, case when share < 1 then '(shared: ' || rule || ')' else '(no resource)' end), "
                      f"any_value(ResourceName), {_one_or_several('ServiceName')}, {_one_or_several('SubAccountId')}, "
                      "sum({metric})", f"group by 1 order by 5 desc, 1 limit {int(n)}")
    return pd.DataFrame([(*r[:4], money.to_decimal(r[4])) for r in rows],
                        columns=["resource", "name", "service", "account", "amount"])


def _one_or_several(col: str) -> str:
    """The column's value when all rows share it, else '(several)' (a shared cost spans services and accounts)."""
    return f"case when count(distinct {col}) > 1 then '(several)' else any_value({col}) end"


def line_items(store, con, user, period: str, team: str, metric: str, currency: str, service: str | None = None,
               limit: int = 500) -> pd.DataFrame:
    """The month's line items (resource x SKU x charge category) of a team, biggest first, optionally for one service."""
    tail = ("and ServiceName = ? " if service else "") + f"order by {{metric}} desc, 1, 2, 3, 4, 5 limit {int(limit)}"
    rows = _team_rows(store, con, user, period, team, metric, currency,
                      "ServiceName, SubAccountId, RegionId, ResourceId, SkuId, ChargeCategory, rule, "
                      "share, charges, {metric}", tail, [service] if service else [])
    return pd.DataFrame([(*r[:9], money.to_decimal(r[9])) for r in rows],
                        columns=["service", "account", "region", "resource", "sku", "category", "rule", "share",
                                 "charges", "amount"])
