"""Cost anomalies: which team (service, account) spent unexpectedly much, since when, and why.

Detection runs on the allocated daily cost of every team, team x service and team x service x
billing sub-account, on the chosen cost basis (the baseline and thresholds are explained in
lib/anomalies/baseline.py), with each team's public holidays (lib.config.calendar) and each
provider's data freshness (lib.reports.freshness: days not fully delivered teach nothing).
Consecutive anomalous days of one series are a run; overlapping runs of one team are one
event, told at the most specific level that carries it (lib/anomalies/fold.py), so one cause
gives one alert. Triage (lib/anomalies/triage.py) marks what people already know.

>>> found = find(store, con, user, since=date(2024, 9, 1))          # doctest: +SKIP
>>> found[0].explanation                                             # doctest: +SKIP
'web / Amazon EC2 in account 1234 (Prod) +$4,210.00 vs expected, +$4,150.00 from Amazon EC2 ...'
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from lib.allocation import cache
from lib.anomalies import fold, triage
from lib.anomalies.baseline import Fit, Thresholds, fit_series
from lib.anomalies.cause import Driver, attach_causes
from lib.anomalies.series import Series, SeriesKey, load_series
from lib.config.calendar import Calendar, calendar
from lib.core import access, focus, money
from lib.core.memo import Memo
from lib.reports import freshness, rhythm
from lib.store.state import Store, state

DEFAULT = Thresholds()
SEVERITY = (("high", 20), ("medium", 5), ("low", 0))  # impact as a multiple of the minimum impact


@dataclass(frozen=True)
class Anomaly:
    key: str  # stable id: team|service[|account]|currency|first day
    team: str
    department: str
    service_name: str  # '' for an anomaly of the whole team
    currency: str
    start: date
    end: date  # last anomalous day (inclusive)
    actual: Decimal  # cost over the anomalous days
    expected: Decimal  # the baseline over the same days, to the cent
    score: float  # robust z-score of the first day
    severity: str
    new_series: bool = False  # no cost at all before
    drivers: tuple[Driver, ...] = ()
    state: str = "new"
    comment: str = ""
    account: str = ""  # SubAccountId when the anomaly is one account's
    account_name: str = ""
    partial: bool = False  # its last day is not fully delivered yet

    @property
    def impact(self) -> Decimal:
        return self.actual - self.expected

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def what(self) -> str:
        return SeriesKey(self.team, self.department, self.service_name, self.currency, self.account,
                         self.account_name).what

    @property
    def cause(self) -> str:
        """What 'the same cause' means for triage: team|service|account of the anomaly or its top driver."""
        if self.service_name or not self.drivers:
            return f"{self.team}|{self.service_name}|{self.account}"
        return f"{self.team}|{self.drivers[0].service_name}|{self.drivers[0].account}"

    @property
    def explanation(self) -> str:
        head = f"{self.what} +{money.fmt(self.impact, self.currency)} vs expected"
        if self.new_series:
            head += " (new cost)"
        if self.days > 1:
            head += f" over {self.days} days"
        if self.partial:
            head += f" (data for {self.end} still arriving)"
        if self.account and self.drivers:
            where = self.drivers[0].where(account=False)
            return head + (f", {where}" if where else "")
        return ", ".join([head] + [d.describe(self.currency) for d in self.drivers[:2]])


def thresholds(store: Store) -> Thresholds:
    """Detection thresholds from settings (anomaly.z, anomaly.min_impact, anomaly.min_relative, ...)."""
    with state(store) as db:
        rows = dict(db.execute("select key, value from settings where key like 'anomaly.%'").fetchall())
    base = Thresholds()
    return Thresholds(float(rows.get("anomaly.z", base.z)), float(rows.get("anomaly.min_impact", base.min_impact)),
                      float(rows.get("anomaly.min_relative", base.min_relative)),
                      float(rows.get("anomaly.drift_relative", base.drift_relative)),
                      float(rows.get("anomaly.min_team_share", base.min_team_share)))


def severity(impact: Decimal, th: Thresholds) -> str:
    """high / medium / low by impact over the minimum impact; anything below (even a negative) is low."""
    floor = Decimal(str(th.min_impact))
    return next((name for name, times in SEVERITY if impact >= floor * times), SEVERITY[-1][0])


def holidays(series: Series, cal: Calendar | None) -> np.ndarray | None:
    """(series x days) bool: each series' team's public holidays."""
    if cal is None or not series.keys:
        return None
    n = series.values.shape[1]
    last = series.day(n - 1)
    masks = {t: rhythm.holiday_mask(series.first_day, n, cal.days(t, series.first_day, last))
             for t in {k.team for k in series.keys}}
    return np.array([masks[k.team] for k in series.keys]).reshape(series.values.shape)


def service_groups(series: Series) -> np.ndarray:
    """Per series: its service's group (service and account series of one service share tails); -1 for teams."""
    names = sorted({k.service_name for k in series.keys if k.service_name})
    return np.array([names.index(k.service_name) if k.service_name else -1 for k in series.keys], dtype=int)


def fitted(series: Series, th: Thresholds, cal: Calendar | None) -> Fit:
    return fit_series(series.values, th, holidays(series, cal), series.partial, series.first_day,
                      service_groups(series))


def _anomaly(series: Series, fit: Fit, th: Thresholds, e: fold.Event) -> Anomaly:
    k: SeriesKey = series.keys[e.row]
    a, b = e.start, e.end
    actual = money.round_total(Decimal(str(series.values[e.row, a:b + 1].sum())))
    expected = money.round_total(Decimal(str(np.nansum(fit.expected[e.row, a:b + 1]))))
    sigma = fit.sigma[e.row, a]
    score = float((series.values[e.row, a] - fit.expected[e.row, a]) / sigma) if sigma > 0 else float("inf")
    start = series.day(a)
    account = f"|{k.account}" if k.account else ""
    return Anomaly(f"{k.team}|{k.service_name}{account}|{k.currency}|{start.isoformat()}", k.team, k.department,
                   k.service_name, k.currency, start, series.day(b), actual, expected, score,
                   severity(actual - expected, th), bool(fit.new[e.row, a]), account=k.account,
                   account_name=k.account_name, partial=bool(fit.partial[e.row, b]))


def detect(con, user: access.User, metric: str = "effective", th: Thresholds = DEFAULT,
           since: date | None = None, fresh: dict | None = None, cal: Calendar | None = None) -> list[Anomaly]:
    """Anomalies in the view `allocated` that the user may see, most severe (largest impact) first.

    fresh: provider -> last fully delivered day (lib.reports.freshness); cal: holidays (none when None).
    """
    access.require(user, "view_spend")
    series = load_series(con, focus.metric(metric), user.scope, fresh=fresh)
    if not series.keys:
        return []
    fit = fitted(series, th, cal)
    found_events = fold.fold(series, fit, fold.material(series, fit, fold.runs(fit.flagged), th))
    pairs = [(_anomaly(series, fit, th, e), fold.leaves(series, fit, e)) for e in found_events]
    pairs = [(x, ls) for x, ls in pairs if since is None or x.start >= since]
    found = attach_causes(con, metric, [x for x, _ in pairs], [ls for _, ls in pairs])
    return sorted(found, key=lambda x: (-x.impact, x.start, x.key))


_RESULTS = Memo(16)  # detection results per (allocation files, basis, scope, settings)


def _detect_cached(con, user: access.User, metric: str, th: Thresholds, fresh: dict, cal: Calendar) -> list[Anomaly]:
    """detect(), remembered while the allocated view reads the same files (page reruns are instant)."""
    access.require(user, "view_spend")
    row = con.execute("select sql from duckdb_views() where view_name = 'allocated'").fetchone()
    key = (row[0] if row else "", metric, user.scope, th, tuple(sorted(fresh.items())), cal)
    return _RESULTS.get(key, lambda: detect(con, user, metric, th, fresh=fresh, cal=cal))


def settings(store: Store, con) -> tuple[Thresholds, dict, Calendar]:
    """What detection reads from the store: thresholds, data freshness per provider, the holiday calendar."""
    return thresholds(store), freshness.complete_through(store, con), calendar(store)


def find(store: Store, con, user: access.User, metric: str = "effective", since: date | None = None) -> list[Anomaly]:
    """Detect on the current allocation and add each anomaly's triage state."""
    cache.allocated_view(store, con)
    found = [x for x in _detect_cached(con, user, metric, *settings(store, con)) if since is None or x.start >= since]
    return triage.with_states(store, found)


def history(con, user: access.User, anomaly: Anomaly, metric: str = "effective", th: Thresholds = DEFAULT,
            days_before: int = 42, days_after: int = 14, fresh: dict | None = None, cal: Calendar | None = None):
    """The anomaly's series around it: DataFrame day, actual, expected, upper (the alert line), flagged."""
    import pandas as pd

    access.require(user, "view_spend")
    if not user.sees(anomaly.department):
        raise access.PermissionDenied(f"{user.username} may not see team {anomaly.team}")
    key = SeriesKey(anomaly.team, anomaly.department, anomaly.service_name, anomaly.currency, anomaly.account)
    series = load_series(con, focus.metric(metric), user.scope, only=key, fresh=fresh)
    rows = [i for i, k in enumerate(series.keys) if (k.team, k.department, k.service_name, k.account, k.currency)
            == (key.team, key.department, key.service_name, key.account, key.currency)]
    if not rows:
        return pd.DataFrame(columns=["day", "actual", "expected", "upper", "flagged"])
    fit, r = fitted(series, th, cal), rows[0]
    a = max(0, (anomaly.start - series.first_day).days - days_before)
    b = min(series.values.shape[1], (anomaly.end - series.first_day).days + days_after + 1)
    return pd.DataFrame({
        "day": [series.day(i) for i in range(a, b)], "actual": series.values[r, a:b],
        "expected": fit.expected[r, a:b], "upper": (fit.expected + fit.threshold)[r, a:b],
        "flagged": fit.flagged[r, a:b]})


def label(a: Anomaly) -> str:
    """One line naming an anomaly in a picker: '2024-09-14 · web / Amazon EC2 · +$4,210.00 · new'."""
    return f"{a.start} · {a.what} · +{money.fmt(a.impact, a.currency)} · {a.state}"


def table(found: list[Anomaly]):
    """The list for the page: one row per anomaly, amounts rounded to cents for reading."""
    import pandas as pd

    cols = ["severity", "start", "days", "team", "service", "account", "impact", "actual", "expected", "currency",
            "state", "explanation"]
    return pd.DataFrame([[a.severity, a.start, a.days, a.team, a.service_name, a.account,
                          money.fmt(a.impact, a.currency), money.fmt(a.actual, a.currency),
                          money.fmt(a.expected, a.currency), a.currency, a.state, a.explanation] for a in found],
                        columns=cols)
