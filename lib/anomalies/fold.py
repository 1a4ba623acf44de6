"""From flagged days to events: runs of days, materiality, one event per cause, and what drove it.

A spike in one account shows in the account's series, its service's and its team's: three runs
of flagged days for one cause. Runs of one team (and currency) that overlap are one event. The
event is told at the most specific level that carries most of it (LEAD of the largest run's
impact): "web / Amazon EC2 in account 1234" rather than "web" when that account is the cause.
A service or account run must also matter to its team (Thresholds.min_team_share of the team's
expected cost over the same days), so a burst in a small, noisy service does not alert.

The drivers are the team's account-level series under the event's series, each with its
increase (actual - expected over the event's days, from the same fit) and its share of the
rise (the sum of the increases): amount and share describe the same days, so they agree.

>>> runs(np.array([[0, 1, 1, 0, 1, 0, 0, 1]], dtype=bool))
[(0, 1, 4), (0, 7, 7)]
"""

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from lib.anomalies.baseline import Fit, Thresholds, events
from lib.anomalies.series import Series
from lib.core import money

LEAD = 0.75  # a more specific series tells the event when it carries this share of the largest impact
TOP = 3
MIN_SHARE = Decimal("0.05")  # drivers carrying less of the rise are noise, not a cause


@dataclass(frozen=True)
class Event:
    row: int  # the series that tells the event
    start: int  # first day index
    end: int  # last day index (inclusive)
    rows: tuple[int, ...]  # every series with a run in it


def runs(flagged: np.ndarray) -> list[tuple[int, int, int]]:
    """(series row, first day, last day) of every run of anomalous days."""
    return [(row, a, b) for row in range(len(flagged)) for a, b in events(flagged[row])]


def excess(series: Series, fit: Fit, row: int, a: int, b: int) -> float:
    """Actual minus expected over days a..b of one series (days not judged count as expected)."""
    return float(np.nansum(series.values[row, a:b + 1] - np.nan_to_num(fit.expected[row, a:b + 1])))


def team_rows(series: Series) -> dict[tuple[str, str, str], int]:
    return {(k.team, k.department, k.currency): i for i, k in enumerate(series.keys) if k.level == 0}


def material(series: Series, fit: Fit, found: list, th: Thresholds) -> list:
    """The runs that matter: team runs, and service or account runs worth min_team_share of the team."""
    teams = team_rows(series)
    out = []
    for row, a, b in found:
        k = series.keys[row]
        team = teams.get((k.team, k.department, k.currency))
        if k.level and team is not None:
            base = float(np.nansum(np.nan_to_num(fit.expected[team, a:b + 1])))
            if excess(series, fit, row, a, b) < th.min_team_share * base:
                continue
        out.append((row, a, b))
    return out


def fold(series: Series, fit: Fit, found: list) -> list[Event]:
    """One event per group of overlapping runs of a team, told by its most specific carrying series."""
    groups: dict[tuple, list] = {}
    for row, a, b in sorted(found, key=lambda r: r[1]):
        k = series.keys[row]
        spans = groups.setdefault((k.team, k.department, k.currency), [])
        if spans and a <= spans[-1][1] + 2:  # overlapping, or a quiet day between (as events() joins)
            spans[-1][1] = max(spans[-1][1], b)
            spans[-1][2].append((row, a, b))
        else:
            spans.append([a, b, [(row, a, b)]])
    out = []
    for spans in groups.values():
        for a, b, members in spans:
            impact = {row: excess(series, fit, row, ra, rb) for row, ra, rb in members}
            top = max(impact.values())
            carrying = [r for r in impact if impact[r] >= LEAD * top or series.keys[r].level == 0 and top <= 0]
            lead = max(carrying, key=lambda r: (series.keys[r].level, impact[r]))
            out.append(Event(lead, a, b, tuple(sorted(impact))))
    return out


@dataclass(frozen=True)
class Leaf:
    service_name: str
    account: str
    account_name: str
    change: Decimal
    share: Decimal


def leaves(series: Series, fit: Fit, event: Event) -> list[Leaf]:
    """The account-level series under the event's series, by their increase over the event's days."""
    lead = series.keys[event.row]
    under = [i for i, k in enumerate(series.keys) if k.level == 2 and (k.team, k.department, k.currency) ==
             (lead.team, lead.department, lead.currency) and (not lead.service_name or k.service_name ==
             lead.service_name) and (not lead.account or k.account == lead.account)]
    change = {i: excess(series, fit, i, event.start, event.end) for i in under}
    rise = sum(c for c in change.values() if c > 0)
    out = []
    for i in sorted(change, key=lambda i: -change[i])[:TOP]:
        if change[i] <= 0:
            break
        amount = money.round_total(Decimal(repr(round(change[i], 2))))
        share = Decimal(repr(change[i] / rise)) if rise else Decimal(0)
        if share >= MIN_SHARE or not out:
            k = series.keys[i]
            out.append(Leaf(k.service_name, k.account, k.account_name, amount, share))
    return out
