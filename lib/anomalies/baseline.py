"""The expected daily cost of a series, and which days are anomalous: a robust seasonal baseline.

Why this baseline. Cloud cost series have a weekly rhythm (quiet weekends), calendar rhythms
(a batch on the last days of the month, a dip on public holidays), a trend (teams grow), level
shifts (a new cluster that stays), heavy-tailed noise (serverless and data transfer burst),
late data (the newest day is not fully delivered) and the anomalies themselves. So, for each
day t, using only the days before it:

1. weekday offsets (the weekend dip): per weekday, the median over 8 weeks of that day minus
   its week's median. Offsets are additive because the jumps that matter are: a cluster left
   running costs as much on Sunday as on Monday, so a level shift does not distort the rhythm;
2. calendar effects (lib.reports.rhythm): day-of-month and month-end effects that recurred in
   the last two months, learned from the residuals of earlier months; a holiday is judged
   against an ordinary day (a dip is no risk) and never feeds the statistics;
3. level: the median of the last 7 de-seasonalized days, so a trend is followed with a lag of
   about 3 days and up to 3 anomalous days do not move it; after a level shift the median moves
   to the new level on the 4th day, which makes the shift "the new normal". The level used is
   the larger of that and the 4-week median, so the return to normal after a dip is no jump;
4. spread: the median absolute deviation of week-over-week differences of the de-seasonalized
   values over the last 4 weeks, scaled to a standard deviation;
5. tail: a MAD is blind to how heavy a series' tails are, and a bursty series has ordinary days
   4+ spreads out. The series' own standardized residuals over the last year say how far its
   ordinary days go: the bar is z spreads, or TAIL times the third largest if that is more
   (what happened three times in a year is ordinary; one or two anomalies are not, and days of
   a multi-day event, like the first days of a level shift, are left out);
6. expected = level + offset + calendar effect (never below zero), sigma = spread.
Offsets, spread, tail and the 4-week level are recomputed once a week, calendar effects once a
month, the level every day. Holidays and partial days (data not fully delivered, from the
sources' freshness) are NaN in every statistic; a partial day is still judged (a day that is
already too high while half delivered is an anomaly), it just teaches nothing.

A day is anomalous when actual - expected exceeds the largest of k * sigma, a minimum absolute
impact and a minimum relative change of expected, so tiny costs and normal noise never alert.
Only increases alert: a drop in cost is not a risk to a budget. A series with no cost at all in
its history alerts when it reaches the minimum impact (a new service appearing). A slow ramp
never makes one day stand out, so a day also counts when the 7-day level rose over the last 4
weeks by more than drift_relative (30%; a team that doubles in a year grows about 6% a month),
unless the series was flagged in those 4 weeks (a level shift alerts once, not again as drift).

>>> days = [100.0] * 35 + [400.0]
>>> fit = fit_series(np.array([days]), Thresholds())
>>> bool(fit.flagged[0, -1]), float(fit.expected[0, -1])
(True, 100.0)
"""

from dataclasses import dataclass
from datetime import date

import numpy as np

from lib.reports import rhythm

HISTORY_DAYS = 56  # 8 weeks of history feed the weekday offsets
LEVEL_DAYS = 7
SPREAD_DAYS = 28
MIN_HISTORY = 14  # days of data a series needs before it is judged (except a brand-new series)
MAD_TO_SIGMA = 1.4826
DRIFT_DAYS = 28
TAIL_DAYS = 364  # the residuals that say how heavy a series' tails are
TAIL_RANK = 3  # a residual seen 3 times in a year is ordinary for that series
TAIL = 3.0  # the bar is at least TAIL times that residual
ORIGIN = date(2024, 1, 1)  # a Monday: the calendar of a series given without dates


@dataclass(frozen=True)
class Thresholds:
    """When a day counts as anomalous; the limits must all be exceeded."""
    z: float = 4.0  # robust standard deviations above expected (more for a heavy-tailed series)
    min_impact: float = 50.0  # currency units above expected
    min_relative: float = 0.25  # fraction of expected
    drift_relative: float = 0.3  # rise of the weekly level over DRIFT_DAYS that counts as a ramp
    min_team_share: float = 0.15  # a service or account anomaly must move its team's cost by this fraction


@dataclass(frozen=True)
class Fit:
    """Per series (rows) and day (columns): the baseline and the verdict. NaN = not judged."""
    expected: np.ndarray
    sigma: np.ndarray
    threshold: np.ndarray  # the excess over expected that a day must pass
    flagged: np.ndarray  # bool
    new: np.ndarray  # bool: flagged because the series had no cost before
    partial: np.ndarray  # bool: the day's data is not fully delivered yet


def _nanmedian(v: np.ndarray, axis: int) -> np.ndarray:
    return np.nan_to_num(rhythm._nanmedian(v, axis))


def weekday_offsets(history: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """(series x 7) per weekday: the median over whole weeks of (that day - its week's median).

    Offsets within a week do not move with the level, so a level shift (a cluster that now runs
    every day, weekends included) or a trend inside the history leaves them alone. NaN days
    (holidays, partial days) are left out.

    >>> h = np.array([[10.0, 10, 10, 10, 10, 2, 2] * 2])
    >>> weekday_offsets(h, np.arange(14) % 7)[0].tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0, -8.0, -8.0]
    """
    n, width = history.shape
    weeks = width // 7
    out = np.zeros((n, 7))
    if weeks == 0:
        return out
    blocks = history[:, width - 7 * weeks:].reshape(n, weeks, 7)
    offsets = _nanmedian(blocks - rhythm._nanmedian(blocks, 2)[:, :, None], 1)
    first = weekday[width - 7 * weeks]
    out[:, (first + np.arange(7)) % 7] = offsets
    return out


def _weekly_before(y: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weekday offsets, spread and 4-week level from the whole weeks (index multiples of 7) before t.

    y: the series without calendar effects, NaN on days that teach nothing.
    """
    end = t - t % 7
    start = max(0, end - HISTORY_DAYS)
    offsets = weekday_offsets(y[:, start:end], np.arange(start, end) % 7)
    first = max(0, end - SPREAD_DAYS - 7)
    flat = y[:, first:end] - offsets[:, np.arange(first, end) % 7]
    diffs = flat[:, 7:] - flat[:, :-7]
    mad = _nanmedian(np.abs(diffs - rhythm._nanmedian(diffs, 1)[:, None]), 1)
    return offsets, MAD_TO_SIGMA * mad / np.sqrt(2), _nanmedian(flat[:, -SPREAD_DAYS:], 1)


def _tail(y: np.ndarray, expected: np.ndarray, sigma: np.ndarray, quiet: np.ndarray, t: int, z: float,
          groups: np.ndarray) -> np.ndarray:
    """Per series: how many spreads the bar is: z, or TAIL times the TAIL_RANK-th largest standardized residual.

    Ordinary is what happened TAIL_RANK times in a year (proportionally fewer in a shorter history,
    but at least twice): one or two anomalies a year do not raise the bar. Series of one group
    (the same service in every team and account) also share what they know: burstiness is the
    service's, and a young series cannot show in 90 days what a year of its siblings has.
    """
    a = max(0, t - TAIL_DAYS)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where(quiet[:, a:t] & (sigma[:, a:t] > 0), (y[:, a:t] - expected[:, a:t]) / sigma[:, a:t], -np.inf)
    if not u.shape[1]:
        return np.full(len(u), z)
    known = np.isfinite(u).sum(axis=1)
    rank = np.clip(np.ceil(TAIL_RANK * known / TAIL_DAYS), 2, TAIL_RANK).astype(int)  # 3 a year, at least 2
    top = -np.sort(-u, axis=1)[np.arange(len(u)), np.minimum(rank, u.shape[1]) - 1]
    for g in np.unique(groups[groups >= 0]):
        rows = np.flatnonzero(groups == g)
        values = u[rows][np.isfinite(u[rows])]
        if len(rows) > 1 and len(values) >= TAIL_DAYS:
            top[rows] = np.fmax(top[rows], np.quantile(values, 1 - TAIL_RANK / TAIL_DAYS))
    return np.where((known >= SPREAD_DAYS) & np.isfinite(top), np.maximum(z, TAIL * top), z)


def fit_series(y: np.ndarray, th: Thresholds, holiday: np.ndarray | None = None, partial: np.ndarray | None = None,
               first_day: date = ORIGIN, groups: np.ndarray | None = None) -> Fit:
    """Judge every day of every series (rows of y: daily cost, oldest day first, no gaps).

    holiday, partial: (series x days) bool masks (default none); first_day: the date of column 0;
    groups: per series, a group whose series share their tails (-1 = none; default none).
    """
    n, days = y.shape
    holiday = np.zeros((n, days), dtype=bool) if holiday is None else holiday
    partial = np.zeros((n, days), dtype=bool) if partial is None else partial
    quiet = ~(holiday | partial)
    groups = np.full(n, -1) if groups is None else groups
    cal = rhythm.days_of(first_day, days)
    expected, sigma, level_now, resid = (np.full((n, days), np.nan) for _ in range(4))
    clean = np.where(quiet, y, np.nan)  # the series without calendar effects, NaN where it teaches nothing
    extra, offset_t = np.zeros((n, days)), np.zeros((n, days))
    threshold, flag = np.full((n, days), np.nan), np.zeros((n, days), dtype=bool)
    offsets = spread = long = effects = k = None
    month = -1
    for t in range(MIN_HISTORY, days):
        if t % 7 == 0 or offsets is None:
            offsets, spread, long = _weekly_before(clean, t)
            k = _tail(y, expected, sigma, quiet & ~_in_runs(flag), t, th.z, groups)
        if cal.month[t] != month:
            month = int(cal.month[t])
            rel = spread / np.maximum(np.abs(long), 1e-9)  # calendar effects are relative: a batch grows with its team
            effects = rhythm.position_effects(resid[:, :t], cal, month, rel) + (
                np.maximum(rhythm.holiday_effect(resid[:, :t], holiday, rel), 0.0),)
        level = np.maximum(long, 0.0)
        extra[:, t] = level * (rhythm.effect_on(cal, t, effects[0], effects[1]) + np.where(holiday[:, t], effects[2], 0.0))
        clean[:, t] = np.where(quiet[:, t], y[:, t] - extra[:, t], np.nan)
        flat = clean[:, t - LEVEL_DAYS:t + 1] - offsets[:, np.arange(t - LEVEL_DAYS, t + 1) % 7]
        before, level_now[:, t] = _nanmedian(flat[:, :-1], 1), _nanmedian(flat[:, 1:], 1)
        offset_t[:, t] = offsets[:, t % 7]
        base = np.maximum(before, long) + offset_t[:, t]
        with np.errstate(invalid="ignore", divide="ignore"):
            resid[:, t] = np.where(quiet[:, t] & (level > 0), (y[:, t] - base) / level, np.nan)
        # the larger of the recent and the 4-week level: a return to normal after a dip is no jump
        # noise grows with the amount: a month-end batch that triples the cost varies three times as much
        scale = np.where((extra[:, t] > 0) & (base > 0), (base + extra[:, t]) / np.where(base > 0, base, 1.0), 1.0)
        expected[:, t], sigma[:, t] = np.maximum(base + extra[:, t], 0.0), spread * scale
        threshold[:, t] = np.maximum(np.maximum(k * sigma[:, t], th.min_impact), th.min_relative * expected[:, t])
        flag[:, t] = y[:, t] - expected[:, t] > threshold[:, t]
    silent = _silent(y)
    new = silent & (y >= th.min_impact)
    expected[silent], sigma[silent] = 0.0, 0.0
    threshold = np.where(silent, th.min_impact, threshold)
    with np.errstate(invalid="ignore"):
        flagged = ((y - expected) > threshold) & ~np.isnan(expected)
    flagged |= new
    before_drift = np.maximum(np.nan_to_num(_past_level(level_now)) + offset_t, 0.0)
    with np.errstate(invalid="ignore"):
        drift = _drift(level_now, sigma, flagged, th) & (y - before_drift > th.min_impact)
    expected = np.where(drift, before_drift, expected)
    return Fit(expected, sigma, threshold, flagged | drift, new, partial.copy())


def _in_runs(flag: np.ndarray) -> np.ndarray:
    """Flagged days next to another flagged day: a level shift or a multi-day event, not a burst."""
    near = np.zeros_like(flag)
    near[:, :-1] |= flag[:, 1:]
    near[:, 1:] |= flag[:, :-1]
    return flag & near


def _silent(y: np.ndarray) -> np.ndarray:
    """Days judged (from MIN_HISTORY on) whose series had no cost at all in the SPREAD_DAYS before."""
    sums = np.pad(np.cumsum(np.abs(np.nan_to_num(y)), axis=1), ((0, 0), (1, 0)))
    t = np.arange(y.shape[1])
    window = sums[:, t] - sums[:, np.maximum(0, t - SPREAD_DAYS)]
    return (window == 0) & (t >= MIN_HISTORY)


def _past_level(level_now: np.ndarray) -> np.ndarray:
    """Per day: the higher of the levels DRIFT_DAYS and twice that before (NaN before that)."""
    past = np.full_like(level_now, np.nan)
    past[:, DRIFT_DAYS:] = level_now[:, :-DRIFT_DAYS]
    older = np.full_like(level_now, np.nan)
    older[:, 2 * DRIFT_DAYS:] = level_now[:, :-2 * DRIFT_DAYS]
    return np.fmax(past, older)


def _drift(level_now: np.ndarray, sigma: np.ndarray, flagged: np.ndarray, th: Thresholds) -> np.ndarray:
    """Days whose level rose too much over DRIFT_DAYS: a slow ramp, which no single day gives away.

    Not counted within DRIFT_DAYS after a day flagged otherwise: a level shift already alerted.
    The past level is the higher of 4 and 8 weeks ago: coming back from a dip is no ramp.
    """
    past = _past_level(level_now)
    limit = np.maximum(np.maximum(th.min_impact, th.drift_relative * past), th.z * sigma)
    counts = np.cumsum(flagged, axis=1)
    recent = counts - np.pad(counts, ((0, 0), (DRIFT_DAYS, 0)))[:, :counts.shape[1]]
    with np.errstate(invalid="ignore"):
        return ((level_now - past) > limit) & (recent == 0) & ~np.isnan(past)


def events(flags: np.ndarray, max_gap: int = 1) -> list[tuple[int, int]]:
    """Runs of flagged days as (first, last) index pairs; a gap of up to max_gap days joins runs.

    >>> events(np.array([0, 1, 1, 0, 1, 0, 0, 1], dtype=bool))
    [(1, 4), (7, 7)]
    """
    out: list[tuple[int, int]] = []
    for i in np.flatnonzero(flags):
        if out and i - out[-1][1] <= max_gap + 1:
            out[-1] = (out[-1][0], int(i))
        else:
            out.append((int(i), int(i)))
    return out
