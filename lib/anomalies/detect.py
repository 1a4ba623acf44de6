"""Cost anomalies: which team (and service) spent unexpectedly much, since when, and why.

Detection runs on the allocated daily cost of every team and every team x service, on the chosen
cost basis (the baseline and thresholds are explained in lib/anomalies/baseline.py). Consecutive
anomalous days of one series are one anomaly: a level shift alerts once, and after a few days the
baseline has moved to the new level. A team x service anomaly that overlaps an anomaly of its
whole team is folded into the team's (its root cause names the service); one that does not, for
example a spike hidden by a drop elsewhere in a big team, is reported on its own.

>>> found = find(store, con, user, since=date(2024, 9, 1))          # doctest: +SKIP
>>> found[0].explanation                                             # doctest: +SKIP
'Web +$4,210.00 vs expected, 87% from Amazon EC2 in account 1234 (Prod), region us-east-1'
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from lib.allocation import cache
from lib.anomalies import triage
from lib.anomalies.baseline import Fit, Thresholds, events, fit_series
from lib.anomalies.cause import Driver, attach_causes
from lib.anomalies.series import Series, SeriesKey, load_series, metric_column
from lib.core import access, money
from lib.store.state import Store, state

DEFAULT = Thresholds()
SEVERITY = (("high", 20), ("medium", 5), ("low", 0))  # impact as a multiple of the minimum impact


@dataclass(frozen=True)
class Anomaly:
    key: str  # stable id: team|service|currency|first day
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

    @property
    def impact(self) -> Decimal:
        return self.actual - self.expected

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def cause(self) -> str:
        """What 'the same cause' means for triage: the team and the service that drove it."""
        service = self.service_name or (self.drivers[0].service_name if self.drivers else "")
        return f"{self.team}|{service}"

    @property
    def explanation(self) -> str:
        head = f"{self.team}{' / ' + self.service_name if self.service_name else ''} " \
               f"+{money.fmt(self.impact, self.currency)} vs expected"
        if self.new_series:
            head += " (new cost)"
        if self.days > 1:
            head += f" over {self.days} days"
        return ", ".join([head] + [d.describe(self.currency) for d in self.drivers[:2]])


def thresholds(store: Store) -> Thresholds:
    """Detection thresholds from settings (anomaly.z, anomaly.min_impact, anomaly.min_relative)."""
    with state(store) as db:
        rows = dict(db.execute("select key, value from settings where key like 'anomaly.%'").fetchall())
    base = Thresholds()
    return Thresholds(float(rows.get("anomaly.z", base.z)), float(rows.get("anomaly.min_impact", base.min_impact)),
                      float(rows.get("anomaly.min_relative", base.min_relative)))


def severity(impact: Decimal, th: Thresholds) -> str:
    return next(name for name, times in SEVERITY if impact >= Decimal(str(th.min_impact)) * times)


def _events_of(series: Series, fit: Fit) -> list[tuple[int, int, int]]:
    """(series row, first day, last day) of every run of anomalous days."""
    return [(row, a, b) for row in range(len(series.keys)) for a, b in events(fit.flagged[row])]


def _fold(series: Series, runs: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Drop team x service runs that overlap a run of the whole team (same currency)."""
    team_runs: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for row, a, b in runs:
        k = series.keys[row]
        if not k.service_name:
            team_runs.setdefault((k.team, k.currency), []).append((a, b))
    out = []
    for row, a, b in runs:
        k = series.keys[row]
        covered = any(a <= tb and ta <= b for ta, tb in team_runs.get((k.team, k.currency), []))
        if not k.service_name or not covered:
            out.append((row, a, b))
    return out


def _anomaly(series: Series, fit: Fit, th: Thresholds, row: int, a: int, b: int) -> Anomaly:
    k: SeriesKey = series.keys[row]
    actual = money.round_total(Decimal(str(series.values[row, a:b + 1].sum())))
    expected = money.round_total(Decimal(str(np.nansum(fit.expected[row, a:b + 1]))))
    sigma = fit.sigma[row, a]
    score = float((series.values[row, a] - fit.expected[row, a]) / sigma) if sigma > 0 else float("inf")
    start = series.day(a)
    return Anomaly(f"{k.team}|{k.service_name}|{k.currency}|{start.isoformat()}", k.team, k.department,
                   k.service_name, k.currency, start, series.day(b), actual, expected, score,
                   severity(actual - expected, th), bool(fit.new[row, a]))


def detect(con, user: access.User, metric: str = "effective", th: Thresholds = DEFAULT,
           since: date | None = None) -> list[Anomaly]:
    """Anomalies in the view `allocated` that the user may see, most severe (largest impact) first."""
    access.require(user, "view_spend")
    series = load_series(con, metric_column(metric), user.scope)
    if not series.keys:
        return []
    fit = fit_series(series.values, th)
    found = [_anomaly(series, fit, th, row, a, b) for row, a, b in _fold(series, _events_of(series, fit))]
    found = [x for x in found if since is None or x.start >= since]
    found = attach_causes(con, metric, found)
    return sorted(found, key=lambda x: (-x.impact, x.start, x.key))


_RESULTS: dict[tuple, list[Anomaly]] = {}  # detection results per (allocation files, basis, scope, thresholds)
_KEEP = 16


def _detect_cached(con, user: access.User, metric: str, th: Thresholds) -> list[Anomaly]:
    """detect(), remembered while the allocated view reads the same files (page reruns are instant)."""
    access.require(user, "view_spend")
    row = con.execute("select sql from duckdb_views() where view_name = 'allocated'").fetchone()
    key = (row[0] if row else "", metric, user.scope, th)
    if key not in _RESULTS:
        if len(_RESULTS) >= _KEEP:
            _RESULTS.pop(next(iter(_RESULTS)))
        _RESULTS[key] = detect(con, user, metric, th)
    return _RESULTS[key]


def find(store: Store, con, user: access.User, metric: str = "effective", since: date | None = None) -> list[Anomaly]:
    """Detect on the current allocation and add each anomaly's triage state."""
    cache.allocated_view(store, con)
    found = [x for x in _detect_cached(con, user, metric, thresholds(store)) if since is None or x.start >= since]
    return triage.with_states(store, found)


def history(con, user: access.User, anomaly: Anomaly, metric: str = "effective", th: Thresholds = DEFAULT,
            days_before: int = 42, days_after: int = 14):
    """The anomaly's series around it: DataFrame day, actual, expected, upper (the alert line)."""
    import pandas as pd

    access.require(user, "view_spend")
    if not user.sees(anomaly.department):
        raise access.PermissionDenied(f"{user.username} may not see team {anomaly.team}")
    key = SeriesKey(anomaly.team, anomaly.department, anomaly.service_name, anomaly.currency)
    series = load_series(con, metric_column(metric), user.scope, only=key)
    if not series.keys:
        return pd.DataFrame(columns=["day", "actual", "expected", "upper"])
    fit = fit_series(series.values, th)
    a = max(0, (anomaly.start - series.first_day).days - days_before)
    b = min(series.values.shape[1], (anomaly.end - series.first_day).days + days_after + 1)
    return pd.DataFrame({
        "day": [series.day(i) for i in range(a, b)], "actual": series.values[0, a:b],
        "expected": fit.expected[0, a:b], "upper": (fit.expected + fit.threshold)[0, a:b],
        "flagged": fit.flagged[0, a:b]})


def label(a: Anomaly) -> str:
    """One line naming an anomaly in a picker: '2024-09-14 · web / Amazon EC2 · +$4,210.00'."""
    what = a.team + (f" / {a.service_name}" if a.service_name else "")
    return f"{a.start} · {what} · +{money.fmt(a.impact, a.currency)} · {a.state}"


def table(found: list[Anomaly]):
    """The list for the page: one row per anomaly, amounts rounded to cents for reading."""
    import pandas as pd

    cols = ["severity", "start", "days", "team", "service", "impact", "actual", "expected", "currency", "state",
            "explanation"]
    return pd.DataFrame([[a.severity, a.start, a.days, a.team, a.service_name, money.fmt(a.impact, a.currency),
                          money.fmt(a.actual, a.currency), money.fmt(a.expected, a.currency), a.currency, a.state,
                          a.explanation] for a in found], columns=cols)
