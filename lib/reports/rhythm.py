"""The calendar rhythms of a daily cost series, learned from its own history: day of month, month end, holidays.

Bills have rhythms besides the week: a batch job on the last two days of every month, a report
run on the 1st, a dip on public holidays. None is hard-coded: each is learned per series from
its residuals (actual minus the level-and-weekday baseline) in earlier months, and counts only
when it recurs: the last two months must both show it, in the same direction as the median of
up to six months, beyond SIGNIFICANT spreads; the effect is then that median. So a one-off
spike on the 28th never becomes "the 28th is expensive", and a rhythm that stops is forgotten
after one month without it. The anomaly baseline (lib.anomalies.baseline) and the
forecast (lib.reports.forecast) both use these functions, so they agree on what a rhythm is.

A day has two positions: its day of month (1..31) and its distance to the month's end
(0 = last day, up to EOM_DAYS - 1); a month-end batch lines up on the second, a job on the
15th on the first. The larger of the two effects applies.

>>> d = days_of(date(2026, 1, 1), 120)
>>> int(d.dom[30]), int(d.eom[30]), int(d.eom[58])
(31, 0, 0)
>>> resid = np.zeros((1, 120)); resid[0, d.eom == 0] = 500.0
>>> dom_e, eom_e = position_effects(resid, d, int(d.month[-1]), np.array([10.0]))
>>> float(eom_e[0, 0]), float(dom_e[0, 28])
(500.0, 0.0)
"""

from dataclasses import dataclass
from datetime import date

import numpy as np

EOM_DAYS = 3  # the last three days of a month are positions of their own
MONTHS = 6  # months of history a rhythm is learned from
SIGNIFICANT = 2.0  # spreads a recurring effect must exceed to count


@dataclass(frozen=True)
class Days:
    """Calendar positions of consecutive days: weekday (Monday 0), day of month, days to month end, month."""
    first: date
    weekday: np.ndarray
    dom: np.ndarray
    eom: np.ndarray
    month: np.ndarray  # year * 12 + month - 1


def days_of(first: date, n: int) -> Days:
    """The positions of n days from `first` (n may reach past the history: forecasts need the future)."""
    d = np.datetime64(first, "D") + np.arange(max(n, 0))
    months = d.astype("datetime64[M]")
    next_month = (months + 1).astype("datetime64[D]")
    dom = (d - months.astype("datetime64[D]")).astype(int) + 1
    eom = (next_month - d).astype(int) - 1
    return Days(first, (first.weekday() + np.arange(max(n, 0))) % 7, dom, eom,
                months.astype(int) + 1970 * 12)


def holiday_mask(first: date, n: int, holidays) -> np.ndarray:
    """Bool array: which of the n days from `first` are in `holidays` (a set of dates)."""
    out = np.zeros(max(n, 0), dtype=bool)
    for h in holidays:
        i = (h - first).days
        if 0 <= i < n:
            out[i] = True
    return out


def _nanmedian(v: np.ndarray, axis: int) -> np.ndarray:
    """Median along an axis ignoring NaN (NaN where a slice has none); far faster than np.nanmedian on small rows.

    >>> _nanmedian(np.array([[1.0, np.nan, 3.0, 2.0], [np.nan] * 4]), 1).tolist()
    [2.0, nan]
    """
    x = np.sort(np.moveaxis(np.asarray(v, dtype=float), axis, -1), axis=-1)  # NaN sorts last
    count = (~np.isnan(x)).sum(axis=-1, keepdims=True)
    if x.shape[-1] == 0:
        return np.full(x.shape[:-1], np.nan)
    lo = np.take_along_axis(x, np.maximum(count - 1, 0) // 2, axis=-1)
    hi = np.take_along_axis(x, np.minimum(count // 2, x.shape[-1] - 1), axis=-1)
    return np.where(count > 0, (lo + hi) / 2, np.nan)[..., 0]


def consistent(last: np.ndarray, before: np.ndarray, median: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """The median where last, before and median agree in sign and all exceed SIGNIFICANT spreads, else 0."""
    sign = np.sign(last)
    with np.errstate(invalid="ignore"):
        mag = np.fmin(np.fmin(np.abs(last), np.abs(before)), np.abs(median))
        ok = (sign == np.sign(before)) & (sign == np.sign(median)) & (mag > SIGNIFICANT * spread)
    return np.where(ok & ~np.isnan(median), median, 0.0)


def position_effects(resid: np.ndarray, days: Days, month_now: int, spread: np.ndarray) -> tuple:
    """(series x 32) day-of-month and (series x EOM_DAYS) month-end effects from the months before month_now.

    resid: (series x days) actual minus baseline, NaN where a day says nothing (holiday, partial).
    """
    n, width = resid.shape
    past = np.flatnonzero(days.month[:width] < month_now)
    months = np.unique(days.month[past])[-MONTHS:]
    dom, eom = np.full((len(months), n, 32), np.nan), np.full((len(months), n, EOM_DAYS), np.nan)
    for i, m in enumerate(months):
        idx = past[days.month[past] == m]
        dom[i][:, days.dom[idx]] = resid[:, idx]
        end = idx[days.eom[idx] < EOM_DAYS]
        eom[i][:, days.eom[end]] = resid[:, end]
    if len(months) < 2:
        return np.zeros((n, 32)), np.zeros((n, EOM_DAYS))
    s = spread[:, None]
    return (consistent(dom[-1], dom[-2], _nanmedian(dom, 0), s),
            consistent(eom[-1], eom[-2], _nanmedian(eom, 0), s))


def effect_on(days: Days, t, dom_e: np.ndarray, eom_e: np.ndarray) -> np.ndarray:
    """Per series: the calendar effect on day t (an index, or an array of them: series x days), the larger
    of its day-of-month and month-end effects."""
    a = dom_e[:, days.dom[t]]
    b = np.where(days.eom[t] < EOM_DAYS, eom_e[:, np.minimum(days.eom[t], EOM_DAYS - 1)], 0.0)
    return np.where(np.abs(b) > np.abs(a), b, a)


def holiday_effect(resid: np.ndarray, holiday: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """Per series: the recurring effect of a holiday, from the residuals of its past holidays (NaN-free)."""
    h = holiday[:, :resid.shape[1]] & ~np.isnan(resid)
    rank = np.cumsum(h[:, ::-1], axis=1)[:, ::-1]  # 1 = the latest holiday with data
    pick = lambda k: np.nansum(np.where(h & (rank == k), resid, 0.0), axis=1)  # noqa: E731
    recent = np.where(h & (rank <= MONTHS), resid, np.nan)
    enough = h.sum(axis=1) >= 2
    return np.where(enough, consistent(pick(1), pick(2), _nanmedian(recent, 1), spread), 0.0)
