"""Root cause of an anomaly: which service, account and region carry the increase, with amounts.

For the anomaly's first day, the team's cost is grouped by (service, account, region) and each
group is compared with its median on the same weekday of the four weeks before. The groups with
the largest increase are the drivers; each one's share is its part of the total increase (the sum
of all positive changes), so a spike hidden by a drop elsewhere still shows as 100% of the rise.
The same query returns the exact actual cost over the anomaly's days (Decimal, from DECIMAL).

>>> Driver("Amazon EC2", "1234", "Prod", "us-east-1", Decimal(4210), Decimal(0.87)).describe("USD")
'87% from Amazon EC2 in account 1234 (Prod), region us-east-1 (+$4,210.00)'
"""

from dataclasses import dataclass, replace
from decimal import Decimal

from lib.allocation.engine import COSTS
from lib.anomalies.series import NO_SERVICE, WATCHED
from lib.core import money

TOP = 3
MIN_SHARE = Decimal("0.05")  # drivers carrying less of the rise are noise, not a cause


@dataclass(frozen=True)
class Resource:
    resource_id: str
    sku_id: str
    change: Decimal


@dataclass(frozen=True)
class Driver:
    service_name: str
    account: str
    account_name: str
    region: str
    change: Decimal  # cost that day minus the same-weekday median
    share: Decimal  # of the day's total increase, 0..1
    resources: tuple[Resource, ...] = ()  # the resources that rose most (when the team owns that slice)

    def describe(self, currency: str) -> str:
        where = [f"{int((self.share * 100).to_integral_value())}% from {self.service_name}"]
        if self.account:
            where.append(f"in account {self.account}" + (f" ({self.account_name})" if self.account_name else ""))
        if self.region:
            where.append(f"region {self.region}")
        text = " ".join(where[:2]) + (", " + where[2] if len(where) > 2 else "")
        if self.resources:
            text += ", resource " + ", ".join(r.resource_id or f"SKU {r.sku_id}" for r in self.resources[:2])
        return text + f" (+{money.fmt(self.change, currency)})"


TARGETS = """
with t as (
    select unnest(?::int[]) as idx, unnest(?::varchar[]) as team, unnest(?::varchar[]) as service,
           unnest(?::varchar[]) as currency, unnest(?::date[]) as first_day, unnest(?::date[]) as last_day
)
"""

ACTUALS_SQL = TARGETS + """
select t.idx, sum(a.{m}) as actual
from t join allocated a
  on a.team = t.team and a.BillingCurrency = t.currency
 and (t.service = '' or coalesce(a.ServiceName, '{none}') = t.service)
 and a.ChargeDate between t.first_day and t.last_day
where {watched}
group by t.idx
"""

DRIVERS_SQL = TARGETS + """,
d as (
    select t.idx, coalesce(a.ServiceName, '{none}') as service_name, coalesce(a.SubAccountId, '') as account,
           coalesce(max(a.SubAccountName), '') as account_name, coalesce(a.RegionId, '') as region,
           coalesce(sum(a.{m}) filter (where a.ChargeDate = t.first_day), 0) as actual,
           coalesce(sum(a.{m}) filter (where a.ChargeDate = t.first_day - 7), 0) as w1,
           coalesce(sum(a.{m}) filter (where a.ChargeDate = t.first_day - 14), 0) as w2,
           coalesce(sum(a.{m}) filter (where a.ChargeDate = t.first_day - 21), 0) as w3,
           coalesce(sum(a.{m}) filter (where a.ChargeDate = t.first_day - 28), 0) as w4
    from t join allocated a
      on a.team = t.team and a.BillingCurrency = t.currency
     and (t.service = '' or coalesce(a.ServiceName, '{none}') = t.service)
     and a.ChargeDate in (t.first_day, t.first_day - 7, t.first_day - 14, t.first_day - 21, t.first_day - 28)
    where {watched}
    group by all
), c as (
    select *, actual - list_median([w1, w2, w3, w4]) as change from d
)
select idx, service_name, account, account_name, region, change,
       sum(greatest(change, 0)) over (partition by idx) as rise,
       row_number() over (partition by idx order by change desc, service_name, account, region) as rank
from c
qualify rank <= {top} and change > 0
order by idx, rank
"""


SLICES = """
with t as (
    select unnest(?::int[]) as idx, unnest(?::varchar[]) as service, unnest(?::varchar[]) as account,
           unnest(?::varchar[]) as region, unnest(?::date[]) as first_day
)
"""

# Charges carry no team: drill into resources only where one team holds that slice on that day.
OWNED_SQL = SLICES + """
select t.idx
from t join allocated a
  on a.ChargeDate = t.first_day and coalesce(a.ServiceName, '{none}') = t.service
 and coalesce(a.SubAccountId, '') = t.account and coalesce(a.RegionId, '') = t.region
group by t.idx
having count(distinct a.team) = 1
"""

RESOURCES_SQL = SLICES + """, d as (
    select t.idx, coalesce(c.ResourceId, '') as resource_id, coalesce(c.SkuId, '') as sku_id,
           coalesce(sum({cost}) filter (where cast(c.ChargePeriodStart as date) = t.first_day), 0) as actual,
           coalesce(sum({cost}) filter (where cast(c.ChargePeriodStart as date) = t.first_day - 7), 0) as w1,
           coalesce(sum({cost}) filter (where cast(c.ChargePeriodStart as date) = t.first_day - 14), 0) as w2,
           coalesce(sum({cost}) filter (where cast(c.ChargePeriodStart as date) = t.first_day - 21), 0) as w3,
           coalesce(sum({cost}) filter (where cast(c.ChargePeriodStart as date) = t.first_day - 28), 0) as w4
    from t join charges c
      on coalesce(c.ServiceName, '{none}') = t.service and coalesce(c.SubAccountId, '') = t.account
     and coalesce(c.RegionId, '') = t.region
     and cast(c.ChargePeriodStart as date) in (t.first_day, t.first_day - 7, t.first_day - 14, t.first_day - 21,
                                               t.first_day - 28)
    where {watched} and c.ChargePeriodStart >= (select min(first_day) from t) - interval 28 day
    group by all
), c as (
    select idx, resource_id, sku_id, actual - list_median([w1, w2, w3, w4]) as change from d
)
select idx, resource_id, sku_id, change from c where change > 0 and (resource_id <> '' or sku_id <> '')
qualify row_number() over (partition by idx order by change desc, resource_id) <= 2
order by idx, change desc
"""


def _resources(con, metric: str, tops: list[tuple[int, Driver, object]]) -> dict[int, tuple[Resource, ...]]:
    """For each (index, top driver, anomaly): the resources whose cost rose most in that slice."""
    if not tops:
        return {}
    params = [[i for i, _, _ in tops], [d.service_name for _, d, _ in tops], [d.account for _, d, _ in tops],
              [d.region for _, d, _ in tops], [a.start for _, _, a in tops]]
    owned = {r[0] for r in con.execute(OWNED_SQL.format(none=NO_SERVICE), params).fetchall()}
    keep = [k for k, (i, _, _) in enumerate(tops) if i in owned]
    if not keep:
        return {}
    params = [[p[k] for k in keep] for p in params]
    sql = RESOURCES_SQL.format(none=NO_SERVICE, watched=WATCHED, cost=COSTS[metric])  # metric checked by caller
    out: dict[int, list[Resource]] = {}
    for idx, resource, sku, change in con.execute(sql, params).fetchall():
        out.setdefault(idx, []).append(Resource(resource, sku, money.to_decimal(change)))
    return {i: tuple(r) for i, r in out.items()}


def _params(found) -> list:
    return [list(range(len(found))), [x.team for x in found], [x.service_name for x in found],
            [x.currency for x in found], [x.start for x in found], [x.end for x in found]]


def attach_causes(con, metric: str, found: list) -> list:
    """The anomalies with their exact actual cost and their top drivers (metric already checked)."""
    if not found:
        return found
    fmt = {"m": metric, "none": NO_SERVICE, "watched": WATCHED, "top": TOP}
    actuals = dict(con.execute(ACTUALS_SQL.format(**fmt), _params(found)).fetchall())
    drivers: dict[int, list[Driver]] = {}
    for idx, service, account, name, region, change, rise, _ in con.execute(DRIVERS_SQL.format(**fmt),
                                                                             _params(found)).fetchall():
        share = money.to_decimal(change) / money.to_decimal(rise) if rise else Decimal(0)
        if share >= MIN_SHARE or idx not in drivers:
            drivers.setdefault(idx, []).append(Driver(service, account, name, region,
                                                      money.to_decimal(change), share))
    resources = _resources(con, metric, [(i, d[0], found[i]) for i, d in drivers.items()])
    for i, r in resources.items():
        drivers[i][0] = replace(drivers[i][0], resources=r)
    return [replace(x, actual=money.to_decimal(actuals.get(i, x.actual)), drivers=tuple(drivers.get(i, ())))
            for i, x in enumerate(found)]
