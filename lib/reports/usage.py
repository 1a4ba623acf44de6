"""A team's part of the usage behind its shared costs: shares per month and day, and its namespaces.

Read from the weights the allocation used (lib.allocation.usage_weights), so the share a
statement prints is the share the charge was split by:

    checkout, cart: 23.4% of cluster shared-prod cost weight on 2026-11

>>> UsageShare("web", "Shared cluster", "cluster prod cost", ("shop", "cart"), Decimal("0.234"), ()).text("2026-11")
'shop, cart: 23.4% of cluster prod cost weight on 2026-11'
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from lib.allocation import cache, usage_weights
from lib.config.org import UNALLOCATED
from lib.config.versions import current_org
from lib.core import access, focus, money
from lib.core import usage as usage_schema
from lib.store import usage as usage_lake

GIB = 2 ** 30


def percent(share: Decimal) -> str:
    """'23.4%' (one decimal, half up)."""
    return f"{(share * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


@dataclass(frozen=True)
class UsageShare:
    team: str
    rule: str
    what: str  # 'cluster shared-prod cost' or a metric name
    keys: tuple[str, ...]  # the namespaces (or keys) whose usage counted as the team's
    share: Decimal  # of the month's weights
    days: tuple[tuple[date, Decimal, bool], ...]  # (day, share it was split by, False: the day had no usage)

    def text(self, when: str, share: Decimal | None = None) -> str:
        keys = ", ".join(self.keys) or "(no namespace)"
        return f"{keys}: {percent(self.share if share is None else share)} of {self.what} weight on {when}"

    def day_texts(self, period: str) -> list[tuple[date, Decimal, str]]:
        """(day, share, text) for each day a charge was split: the day's weights, or the month's."""
        return [(d, s, self.text(d.isoformat(), s) if own else f"{self.text(period, s)} (no usage on {d.isoformat()})")
                for d, s, own in self.days]


_SHARES_SQL = """
    with w as (select rule, what, ChargeDate, coalesce(team, ?) as team, usage_key, weight from {src}
               where weight > 0),
    months as (select rule, sum(weight) as total from w group by all),
    team_days as (select rule, what, team, ChargeDate, sum(weight) as tw from w group by all),
    keys as (select rule, team, string_agg(distinct usage_key, chr(31) order by usage_key) as keys from w group by all)
    select t.rule, t.what, t.team, any_value(k.keys), cast(sum(t.tw) / any_value(m.total) as decimal(18,12)),
           list(t.ChargeDate order by t.ChargeDate)
    from team_days t join months m on m.rule = t.rule join keys k on k.rule = t.rule and k.team = t.team
    where t.team in ({teams}) group by all order by 3, 1"""

# The share each split row of the team got, per day: what the allocation applied.
_DAYS_SQL = """
    select team, rule, ChargeDate, min(share) from allocated
    where x_BillingPeriod = ? and team in ({teams}) and rule in ({rules}) group by all order by all"""


def shares(store, con, period: str, teams: list[str]) -> list[UsageShare]:
    """The usage shares of these teams (UNALLOCATED for what goes nowhere) in the period, per rule.

    No permission check: callers (explain, statements) check and scope before they ask.
    """
    if not teams:
        return []
    src = usage_weights.weights_file(store, con, period)
    marks = ", ".join("?" * len(teams))
    rows = con.execute(_SHARES_SQL.format(src=src, teams=marks), [UNALLOCATED, *teams]).fetchall()
    rules = sorted({r[0] for r in rows})
    split: dict[tuple[str, str], list] = {}
    if rules:
        for team, rule, day, share in con.execute(_DAYS_SQL.format(teams=marks, rules=", ".join("?" * len(rules))),
                                                  [period, *teams, *rules]).fetchall():
            split.setdefault((team, rule), []).append((day, share))
    out = []
    for rule, what, team, keys, share, measured in rows:
        days = tuple((d, s, d in set(measured)) for d, s in split.get((team, rule), []))
        out.append(UsageShare(team, rule, what, tuple(keys.split(chr(31))), money.to_decimal(share), days))
    return out


def team_shares(store, con, user: access.User, period: str, team: str) -> list[UsageShare]:
    """explain's view: the team's usage shares, for a user who may see the team."""
    access.require(user, "view_spend")
    return shares(store, con, period, [team]) if team in _visible(store, user) else []


def _visible(store, user: access.User) -> set[str]:
    return {t.id for t in current_org(store).teams_of(user.scope)}


_NAMESPACES_SQL = """
    with w as (select rule, ChargeDate, cluster, usage_key, weight from {weights}
               where team = ? and metric = ? and weight > 0),
    used as (select UsageDate, Cluster, UsageKey, sum(CpuCoreHours) as cpu, sum(CpuCoreUsageHours) as cpu_used,
                    sum(CpuCoreRequestHours) as cpu_req, sum(RamByteHours) as ram, sum(RamByteUsageHours) as ram_used,
                    sum(RamByteRequestHours) as ram_req, sum(GpuHours) as gpu, sum(TotalCost) as estimate
             from {usage} where x_UsagePeriod = ? group by all),
    amounts as (select rule, sum({metric}) as amount from allocated
                where team = ? and x_BillingPeriod = ? and BillingCurrency = ? group by all)
    select w.rule, w.cluster, w.usage_key, sum(u.cpu), sum(u.cpu_used), sum(u.cpu_req), sum(u.ram),
           sum(u.ram_used), sum(u.ram_req), sum(u.gpu), sum(u.estimate),
           cast(any_value(a.amount) * cast(sum(w.weight) / sum(sum(w.weight)) over (partition by w.rule)
                as decimal(18,12)) as decimal(38,12)) as amount
    from w left join used u on u.UsageDate = w.ChargeDate and u.Cluster = w.cluster and u.UsageKey = w.usage_key
    left join amounts a on a.rule = w.rule
    group by w.rule, w.cluster, w.usage_key order by 1, 2, 3"""


def namespaces(store, con, user: access.User, period: str, team: str, metric: str, currency: str) -> pd.DataFrame:
    """The Teams page's Kubernetes tab: the team's namespaces, their usage, cost and efficiency (used / requested).

    `cost` is the team's billed share of the cluster (the allocation, in the chosen basis and
    currency) spread over its namespaces by their weights; `OpenCost estimate` is OpenCost's
    own figure from list prices, for comparison.
    """
    access.require(user, "view_spend")
    columns = ["namespace", "cluster", "cost", "OpenCost estimate", "CPU core-hours", "CPU efficiency",
               "memory GiB-hours", "memory efficiency", "GPU hours", "rule"]
    if team not in _visible(store, user):
        return pd.DataFrame([], columns=columns)
    inp = cache.inputs(store, period)
    sql = _NAMESPACES_SQL.format(weights=usage_weights.weights_file(store, con, period),
                                 usage=usage_lake.source(list(inp.usage_files)), metric=focus.metric(metric))
    rows = con.execute(sql, [team, usage_schema.KUBERNETES, period, team, period, currency]).fetchall()
    costs = money.round_lines([money.to_decimal(r[11]) for r in rows]) if rows else []
    return pd.DataFrame([(r[2], r[1], c, money.round_total(money.to_decimal(r[10])), _round(r[3]),
                          _ratio(r[4], r[5]), _round(r[6], GIB), _ratio(r[7], r[8]), _round(r[9]), r[0])
                         for r, c in zip(rows, costs)], columns=columns)


def _round(value, unit: int = 1) -> Decimal | None:
    return None if value is None else (money.to_decimal(value) / unit).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _ratio(used, requested) -> str:
    used, requested = money.to_decimal(used), money.to_decimal(requested)
    return percent(used / requested) if requested > 0 else "–"
