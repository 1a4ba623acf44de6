"""Drill-down below the daily rollup: a team's resources and line items, with the rule and share.

The period is allocated once more at resource grain (same engine, same inputs, more
dimensions) and cached beside the rollup, so a team's resource list adds up to the
team's total on every other page.

>>> top_resources(store, con, user, "2026-10", "web", "effective", "USD")   # doctest: +SKIP
"""

from pathlib import Path

import pandas as pd

from lib import access, allocation, allocation_sql, crypto, spend
from lib.org import parse_org
from lib.rules import parse_rules
from lib.store import Store, parquet_source

DETAIL_DIMS = allocation_sql.DIMS + ("ResourceId", "ResourceName", "SkuId")


def detail_file(store: Store, con, period: str) -> str:
    """The period's allocation at resource grain (computed once per cache key)."""
    inp = allocation.inputs(store, period)
    out = store.lake / "derived" / "detail" / f"period={period}" / f"{allocation.cache_key(inp)}.parquet"
    if not out.exists():
        org, _ = parse_org(inp.org_yaml, "stored org")
        rules, _ = parse_rules(inp.rules_yaml, org, "stored rules")
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        allocation_sql.allocate(con, parquet_source(list(inp.files)), period, rules, org, inp.rules_version,
                                str(tmp), inp.basis, DETAIL_DIMS)
        Path(tmp).rename(out)
    return str(out)


def _team_rows(store, con, user, period: str, team: str, metric: str, currency: str, select: str, tail: str,
               extra: list | None = None):
    access.require(user, "view_spend")
    where, params = spend.scope_sql(user)
    metric = spend.metric_column(metric)
    path = detail_file(store, con, period)
    return con.execute(
        f"select {select.format(metric=metric)} from read_parquet(?, {crypto.parquet_read_options()}) "
        f"where {where} and team = ? and BillingCurrency = ? {tail.format(metric=metric)}",
        [path] + params + [team, currency] + (extra or [])).fetchall()


def top_resources(store, con, user, period: str, team: str, metric: str, currency: str, n: int = 20) -> pd.DataFrame:
    rows = _team_rows(store, con, user, period, team, metric, currency,
                      "coalesce(ResourceId, '(no resource)'), any_value(ResourceName), any_value(ServiceName), "
                      "any_value(SubAccountId), sum({metric})", f"group by 1 order by 5 desc limit {int(n)}")
    return pd.DataFrame(rows, columns=["resource", "name", "service", "account", "amount"])


def line_items(store, con, user, period: str, team: str, metric: str, currency: str, service: str | None = None,
               limit: int = 500) -> pd.DataFrame:
    """Daily line items (resource x SKU x day) of a team, biggest first, optionally for one service."""
    tail = ("and ServiceName = ? " if service else "") + f"order by {{metric}} desc limit {int(limit)}"
    rows = _team_rows(store, con, user, period, team, metric, currency,
                      "ChargeDate, ServiceName, SubAccountId, RegionId, ResourceId, SkuId, ChargeCategory, rule, "
                      "share, {metric}", tail, [service] if service else [])
    return pd.DataFrame(rows, columns=["day", "service", "account", "region", "resource", "sku", "category", "rule",
                                       "share", "amount"])
