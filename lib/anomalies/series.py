"""Daily cost series per team, team x service and team x service x billing sub-account, as a dense matrix.

The account level is what finds a spike in one account hidden by a drop in another account
of the same team and service, and what lets the root cause name the account.

Only usage that can jump is watched: ChargeCategory 'Usage' with a usage-based (or unknown)
frequency. Purchases (commitments), tax, credits, adjustments and recurring or one-time fees
follow the calendar, not the workload, so they would only produce month-start false alarms.

>>> s = load_series(con, "effective", scope=None)     # doctest: +SKIP
>>> s.keys[0], s.values.shape                          # doctest: +SKIP
(SeriesKey(team='web', department='eng', service_name='', currency='USD', account='', account_name=''), (42, 396))
"""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from lib.core import focus

WATCHED = "ChargeCategory = 'Usage' and coalesce(ChargeFrequency, 'Usage-Based') = 'Usage-Based'"
NO_SERVICE = "(no service)"
NO_ACCOUNT = "(no account)"


@dataclass(frozen=True)
class SeriesKey:
    team: str
    department: str
    service_name: str  # '' = the whole team
    currency: str
    account: str = ""  # SubAccountId; '' = every account of the service
    account_name: str = ""

    @property
    def level(self) -> int:
        """0 = team, 1 = team x service, 2 = team x service x account."""
        return 0 if not self.service_name else 1 if not self.account else 2

    @property
    def what(self) -> str:
        """'web / Amazon EC2 in account 1234 (prod)': how a person reads the series."""
        out = self.team + (f" / {self.service_name}" if self.service_name else "")
        if self.account and self.account != NO_ACCOUNT:
            out += f" in account {self.account}" + (f" ({self.account_name})" if self.account_name else "")
        return out


@dataclass(frozen=True)
class Series:
    keys: tuple[SeriesKey, ...]
    first_day: date | None
    values: np.ndarray  # (series x days) daily cost as float: statistics only, never a reported amount
    partial: np.ndarray | None = None  # (series x days) bool: the day is not fully delivered for that series

    def day(self, index: int) -> date:
        return self.first_day + timedelta(days=index)


def scope_sql(scope: frozenset[str] | None) -> tuple[str, list]:
    """A condition on `department` for a user's scope (None = everything), and its parameter."""
    if scope is None:
        return "true", []
    return "list_contains(?::varchar[], department)", [sorted(scope)]


SERIES_SQL = """
with fresh as (
    select unnest(?::varchar[]) as provider, unnest(?::date[]) as through
), daily as (
    select team, department, grouping(ServiceName) = 1 as team_level, grouping(SubAccountId) = 1 as service_level,
           coalesce(ServiceName, '{none}') as service_name, coalesce(SubAccountId, '{no_account}') as account,
           coalesce(max(SubAccountName), '') as account_name, BillingCurrency as currency,
           ChargeDate as day, cast(sum({m}) as double) as amount, min(f.through) as through
    from allocated a left join fresh f on f.provider = a.ProviderName
    where {watched} and {scope}{extra}
    group by grouping sets ((team, department, BillingCurrency, ChargeDate),
                            (team, department, ServiceName, BillingCurrency, ChargeDate),
                            (team, department, ServiceName, SubAccountId, BillingCurrency, ChargeDate))
), keyed as (
    select *, dense_rank() over (order by team, department, not team_level, not service_level, service_name,
                                 account, currency) - 1 as sid,
           min(day) over () as first_day, max(day) over () as last_day
    from daily
)
select sid, team, department, team_level, service_level, service_name, account,
       max(account_name) over (partition by sid) as account_name, currency, first_day, day - first_day as d,
       last_day - first_day as last_d, amount,
       min(through) filter (where day > last_day - 28) over (partition by sid) as through
from keyed
order by sid, d
"""


def load_series(con, metric: str, scope: frozenset[str] | None, only: SeriesKey | None = None,
                fresh: dict | None = None) -> Series:
    """Every watched series (or the team's series holding `only`) as one dense (series x day) matrix.

    fresh: provider -> the last fully delivered day (lib.reports.freshness); later days are partial.
    """
    where, params = scope_sql(scope)
    extra = ""
    if only is not None:
        extra = " and team = ? and BillingCurrency = ?"
        params += [only.team, only.currency]
    fresh = fresh or {}
    sql = SERIES_SQL.format(none=NO_SERVICE, no_account=NO_ACCOUNT, m=focus.metric(metric), watched=WATCHED, scope=where, extra=extra)
    rows = con.execute(sql, [list(fresh), list(fresh.values())] + params).fetchnumpy()
    if len(rows["sid"]) == 0:
        return Series((), None, np.zeros((0, 0)), np.zeros((0, 0), dtype=bool))
    sid = rows["sid"].astype(int)
    values = np.zeros((int(sid.max()) + 1, int(rows["last_d"][0]) + 1))
    values[sid, rows["d"].astype(int)] = rows["amount"]
    starts = np.flatnonzero(np.r_[True, sid[1:] != sid[:-1]])
    keys = tuple(SeriesKey(str(rows["team"][i]), str(rows["department"][i]),
                           "" if rows["team_level"][i] else str(rows["service_name"][i]), str(rows["currency"][i]),
                           "" if rows["service_level"][i] else str(rows["account"][i]),
                           "" if rows["service_level"][i] else str(rows["account_name"][i]))
                 for i in starts)
    first = rows["first_day"][0].astype("datetime64[D]").astype(date)
    return Series(keys, first, values, _partial(rows, starts, first, values.shape))


def _partial(rows, starts, first: date, shape) -> np.ndarray:
    """(series x days): True after the series' last fully delivered day."""
    through = np.ma.getdata(rows["through"])[starts].astype("datetime64[D]")
    masked = np.ma.getmaskarray(rows["through"])[starts] | np.isnat(through)
    last = np.where(masked, shape[1] - 1, (through - np.datetime64(first, "D")).astype(int))
    return np.arange(shape[1])[None, :] > last[:, None]
