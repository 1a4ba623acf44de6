"""Root cause of an anomaly: which service, account and region carry the increase, with amounts.

The drivers come from the fit itself (lib.anomalies.fold.leaves): the team's account-level
series, each with its increase over the anomaly's days and its share of the rise, so the
share and the amount of a driver always describe the same thing. SQL then adds where in
the account it happened (the region whose cost rose most on the first day, against the
median of the same weekday in the four weeks before) and, where one team owns that slice,
the resources that rose most. The same query returns the exact actual cost over the
anomaly's days (Decimal, from DECIMAL).

>>> Driver("Amazon EC2", "1234", "Prod", "us-east-1", Decimal(4210), Decimal(0.87)).describe("USD")
'+$4,210.00 from Amazon EC2 in account 1234 (Prod), region us-east-1 (87% of the rise)'
"""

from dataclasses import dataclass, replace
from decimal import Decimal

from lib.anomalies.series import NO_ACCOUNT, NO_SERVICE, WATCHED
from lib.core import focus, money


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
    change: Decimal  # actual - expected of this account's series over the anomaly's days
    share: Decimal  # of the anomaly's rise (the sum of the increases), 0..1
    resources: tuple[Resource, ...] = ()  # the resources that rose most (when the team owns that slice)

    def where(self, account: bool = True) -> str:
        """'in account 1234 (Prod), region us-east-1, resource i-0abc' (without the account: 'region ...')."""
        parts = []
        if account and self.account and self.account != NO_ACCOUNT:
            parts.append(f"in account {self.account}" + (f" ({self.account_name})" if self.account_name else ""))
        if self.region:
            parts.append(f"region {self.region}")
        if self.resources:
            parts.append("resource " + ", ".join(r.resource_id or f"SKU {r.sku_id}" for r in self.resources[:2]))
        return ", ".join(parts)

    def describe(self, currency: str) -> str:
        pct = int((self.share * 100).to_integral_value())
        where = self.where()
        return (f"+{money.fmt(self.change, currency)} from {self.service_name}" + (f" {where}" if where else "")
                + f" ({pct}% of the rise)")


TARGETS = """
with t as (
    select unnest(?::int[]) as idx, unnest(?::varchar[]) as team, unnest(?::varchar[]) as service,
           unnest(?::varchar[]) as account, unnest(?::varchar[]) as currency, unnest(?::date[]) as first_day,
           unnest(?::date[]) as last_day
)
"""

ACTUALS_SQL = TARGETS + """
select t.idx, sum(a.{m}) as actual
from t join allocated a
  on a.team = t.team and a.BillingCurrency = t.currency
 and (t.service = '' or coalesce(a.ServiceName, '{none}') = t.service)
 and (t.account = '' or coalesce(a.SubAccountId, '{no_account}') = t.account)
 and a.ChargeDate between t.first_day and t.last_day
where {watched}
group by t.idx
"""

# Per anomaly and (service, account) of a driver: the region whose cost rose most on the first day.
REGIONS_SQL = TARGETS + """,
d as (
    select t.idx, coalesce(a.RegionId, '') as region,
           coalesce(sum(a.{m}) filter (where a.ChargeDate = t.first_day), 0) as actual,
           coalesce(sum(a.{m}) filter (where a.ChargeDate = t.first_day - 7), 0) as w1,
           coalesce(sum(a.{m}) filter (where a.ChargeDate = t.first_day - 14), 0) as w2,
           coalesce(sum(a.{m}) filter (where a.ChargeDate = t.first_day - 21), 0) as w3,
           coalesce(sum(a.{m}) filter (where a.ChargeDate = t.first_day - 28), 0) as w4
    from t join allocated a
      on a.team = t.team and a.BillingCurrency = t.currency and coalesce(a.ServiceName, '{none}') = t.service
     and coalesce(a.SubAccountId, '{no_account}') = t.account
     and a.ChargeDate in (t.first_day, t.first_day - 7, t.first_day - 14, t.first_day - 21, t.first_day - 28)
    where {watched}
    group by all
)
select idx, region from d
qualify row_number() over (partition by idx order by actual - list_median([w1, w2, w3, w4]) desc, region) = 1
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
 and coalesce(a.SubAccountId, '{no_account}') = t.account and coalesce(a.RegionId, '') = t.region
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
      on coalesce(c.ServiceName, '{none}') = t.service and coalesce(c.SubAccountId, '{no_account}') = t.account
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
    owned = {r[0] for r in con.execute(OWNED_SQL.format(none=NO_SERVICE, no_account=NO_ACCOUNT), params).fetchall()}
    keep = [k for k, (i, _, _) in enumerate(tops) if i in owned]
    if not keep:
        return {}
    params = [[p[k] for k in keep] for p in params]
    sql = RESOURCES_SQL.format(none=NO_SERVICE, no_account=NO_ACCOUNT, watched=WATCHED, cost=focus.cost_column(metric))
    out: dict[int, list[Resource]] = {}
    for idx, resource, sku, change in con.execute(sql, params).fetchall():
        out.setdefault(idx, []).append(Resource(resource, sku, money.to_decimal(change)))
    return {i: tuple(r) for i, r in out.items()}


def _params(targets) -> list:
    """targets: (team, service, account, currency, first day, last day) per query row."""
    return [list(range(len(targets)))] + [list(col) for col in zip(*targets, strict=True)] if targets else [[]] * 7


def attach_causes(con, metric: str, found: list, leaves: list) -> list:
    """The anomalies with their exact actual cost and drivers; leaves[i]: fold.Leaf records of found[i]."""
    if not found:
        return found
    fmt = {"m": metric, "none": NO_SERVICE, "no_account": NO_ACCOUNT, "watched": WATCHED}
    own = [(x.team, x.service_name, x.account, x.currency, x.start, x.end) for x in found]
    actuals = dict(con.execute(ACTUALS_SQL.format(**fmt), _params(own)).fetchall())
    pairs = [(i, j) for i, ls in enumerate(leaves) for j in range(len(ls))]
    slices = [(found[i].team, leaves[i][j].service_name, leaves[i][j].account, found[i].currency, found[i].start,
               found[i].end) for i, j in pairs]
    regions = dict(con.execute(REGIONS_SQL.format(**fmt), _params(slices)).fetchall()) if slices else {}
    drivers: dict[int, list[Driver]] = {}
    for n, (i, j) in enumerate(pairs):
        leaf = leaves[i][j]
        drivers.setdefault(i, []).append(Driver(leaf.service_name, leaf.account, leaf.account_name,
                                                regions.get(n, ""), leaf.change, leaf.share))
    resources = _resources(con, metric, [(i, d[0], found[i]) for i, d in drivers.items()])
    for i, r in resources.items():
        drivers[i][0] = replace(drivers[i][0], resources=r)
    return [replace(x, actual=money.to_decimal(actuals.get(i, x.actual)), drivers=tuple(drivers.get(i, ())))
            for i, x in enumerate(found)]
