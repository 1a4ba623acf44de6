"""Daily cost series per team and per team x service, from the allocated view, as a dense matrix.

Only usage that can jump is watched: ChargeCategory 'Usage' with a usage-based (or unknown)
frequency. Purchases (commitments), tax, credits, adjustments and recurring or one-time fees
follow the calendar, not the workload, so they would only produce month-start false alarms.

>>> s = load_series(con, "effective", scope=None)     # doctest: +SKIP
>>> s.keys[0], s.values.shape                          # doctest: +SKIP
(SeriesKey(team='web', department='eng', service_name='', currency='USD'), (42, 396))
"""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from lib.core import focus

WATCHED = "ChargeCategory = 'Usage' and coalesce(ChargeFrequency, 'Usage-Based') = 'Usage-Based'"
NO_SERVICE = "(no service)"


@dataclass(frozen=True)
class SeriesKey:
    team: str
    department: str
    service_name: str  # '' = the whole team
    currency: str


@dataclass(frozen=True)
class Series:
    keys: tuple[SeriesKey, ...]
    first_day: date | None
    values: np.ndarray  # (series x days) daily cost as float: statistics only, never a reported amount

    def day(self, index: int) -> date:
        return self.first_day + timedelta(days=index)


def metric_column(metric: str) -> str:
    """The allocated view's column for a cost basis, checked before it becomes an identifier."""
    if metric not in focus.METRICS:
        raise ValueError(f"unknown cost basis {metric!r}: use one of {', '.join(focus.METRICS)}")
    return metric


def scope_sql(scope: frozenset[str] | None) -> tuple[str, list]:
    """A condition on `department` for a user's scope (None = everything), and its parameter."""
    if scope is None:
        return "true", []
    return "list_contains(?::varchar[], department)", [sorted(scope)]


SERIES_SQL = """
with daily as (
    select team, department, grouping(ServiceName) = 1 as team_level,
           coalesce(ServiceName, '{none}') as service_name, BillingCurrency as currency,
           ChargeDate as day, cast(sum({m}) as double) as amount
    from allocated
    where {watched} and {scope}{extra}
    group by grouping sets ((team, department, BillingCurrency, ChargeDate),
                            (team, department, ServiceName, BillingCurrency, ChargeDate))
)
select dense_rank() over (order by team, department, team_level desc, service_name, currency) - 1 as sid,
       team, department, team_level, service_name, currency,
       min(day) over () as first_day, day - min(day) over () as d, max(day) over () - min(day) over () as last_d,
       amount
from daily
order by sid, d
"""


def load_series(con, metric: str, scope: frozenset[str] | None, only: SeriesKey | None = None) -> Series:
    """Every watched series (or the team's series holding `only`) as one dense (series x day) matrix."""
    where, params = scope_sql(scope)
    extra = ""
    if only is not None:
        extra = " and team = ? and BillingCurrency = ?"
        params += [only.team, only.currency]
    sql = SERIES_SQL.format(none=NO_SERVICE, m=metric_column(metric), watched=WATCHED, scope=where, extra=extra)
    rows = con.execute(sql, params).fetchnumpy()
    if len(rows["sid"]) == 0:
        return Series((), None, np.zeros((0, 0)))
    sid = rows["sid"].astype(int)
    values = np.zeros((int(sid.max()) + 1, int(rows["last_d"][0]) + 1))
    values[sid, rows["d"].astype(int)] = rows["amount"]
    starts = np.flatnonzero(np.r_[True, sid[1:] != sid[:-1]])
    keys = tuple(SeriesKey(str(rows["team"][i]), str(rows["department"][i]),
                           "" if rows["team_level"][i] else str(rows["service_name"][i]), str(rows["currency"][i]))
                 for i in starts)
    first = rows["first_day"][0].astype("datetime64[D]").astype(date)
    return Series(keys, first, values)
