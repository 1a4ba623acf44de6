"""The expected daily cost of a series, and which days are anomalous: a robust seasonal baseline.

Why this baseline. Cloud cost series have a weekly rhythm (quiet weekends), a trend (teams grow),
level shifts (a new cluster that stays) and the anomalies themselves. A plain average over the
last N days is pulled up by every spike and lags every trend; a same-weekday median alone ignores
the trend. So, for each day t, using only the 8 weeks before it:

1. weekday offsets (the weekend dip): per weekday, the median over the 8 weeks of that day minus
   its week's median. Offsets are additive because the jumps that matter are: a cluster left
   running costs as much on Sunday as on Monday, so a level shift does not distort the rhythm;
   the median over weeks ignores up to 3 bad weeks;
2. level: the median of the last 7 de-seasonalized days, so a trend is followed with a lag of
   about 3 days and up to 3 anomalous days do not move it; after a level shift the median moves
   to the new level on the 4th day, which makes the shift "the new normal". The level used is
   the larger of that and the 4-week median, so the return to normal after a dip is no jump;
3. spread: the median absolute deviation of week-over-week differences of the de-seasonalized
   values over the last 4 weeks (differences cancel trend and level, so a past level shift
   inflates the spread for one week only), scaled to a standard deviation;
4. expected = level + offset(weekday of t) (never below zero), sigma = spread.
Offsets, spread and the 4-week level are recomputed once a week, the level every day.

A day is anomalous when actual - expected exceeds the largest of z * sigma, a minimum absolute
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

import numpy as np

HISTORY_DAYS = 56  # 8 weeks of history feed the weekday offsets
LEVEL_DAYS = 7
SPREAD_DAYS = 28
MIN_HISTORY = 14  # days of data a series needs before it is judged (except a brand-new series)
MAD_TO_SIGMA = 1.4826
DRIFT_DAYS = 28


@dataclass(frozen=True)
class Thresholds:
    """When a day counts as anomalous; the three limits must all be exceeded."""
    z: float = 4.0  # robust standard deviations above expected
    min_impact: float = 50.0  # currency units above expected
    min_relative: float = 0.25  # fraction of expected
    drift_relative: float = 0.3  # rise of the weekly level over DRIFT_DAYS that counts as a ramp


@dataclass(frozen=True)
class Fit:
    """Per series (rows) and day (columns): the baseline and the verdict. NaN = not judged."""
    expected: np.ndarray
    sigma: np.ndarray
    threshold: np.ndarray  # the excess over expected that a day must pass
    flagged: np.ndarray  # bool
    new: np.ndarray  # bool: flagged because the series had no cost before


def weekday_offsets(history: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """(series x 7) per weekday: the median over whole weeks of (that day - its week's median).

    Offsets within a week do not move with the level, so a level shift (a cluster that now runs
    every day, weekends included) or a trend inside the history leaves them alone.

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
    offsets = np.median(blocks - np.median(blocks, axis=2, keepdims=True), axis=1)
    first = weekday[width - 7 * weeks]
    out[:, (first + np.arange(7)) % 7] = offsets
    return out


def _weekly_before(y: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weekday offsets, spread and 4-week level from the whole weeks (index multiples of 7) before t.

    They change slowly, so they are computed once a week; the recent level is computed every day.
    """
    end = t - t % 7
    start = max(0, end - HISTORY_DAYS)
    offsets = weekday_offsets(y[:, start:end], np.arange(start, end) % 7)
    first = max(0, end - SPREAD_DAYS - 7)
    flat = y[:, first:end] - offsets[:, np.arange(first, end) % 7]
    diffs = flat[:, 7:] - flat[:, :-7]
    spread = MAD_TO_SIGMA * np.median(np.abs(diffs - np.median(diffs, axis=1, keepdims=True)), axis=1) / np.sqrt(2)
    return offsets, spread, np.median(flat[:, -SPREAD_DAYS:], axis=1)


def _levels(y: np.ndarray, t: int, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median de-seasonalized level of the 7 days before t, and of the 7 days up to and including t."""
    flat = y[:, t - LEVEL_DAYS:t + 1] - offsets[:, np.arange(t - LEVEL_DAYS, t + 1) % 7]
    return np.median(flat[:, :-1], axis=1), np.median(flat[:, 1:], axis=1)


def fit_series(y: np.ndarray, th: Thresholds) -> Fit:
    """Judge every day of every series (rows of y: daily cost, oldest day first, no gaps)."""
    n, days = y.shape
    expected, sigma, level_now = (np.full((n, days), np.nan) for _ in range(3))
    offset_t = np.zeros((n, days))
    new = np.zeros((n, days), dtype=bool)
    offsets = spread = long = None
    for t in range(days):
        seen = y[:, max(0, t - SPREAD_DAYS):t]
        silent = (t >= MIN_HISTORY) & (np.abs(seen).sum(axis=1) == 0)
        new[:, t] = silent & (y[:, t] >= th.min_impact)
        if t >= MIN_HISTORY:
            if t % 7 == 0 or offsets is None:
                offsets, spread, long = _weekly_before(y, t)
            before, level_now[:, t] = _levels(y, t, offsets)
            offset_t[:, t] = offsets[:, t % 7]
            # the larger of the recent and the 4-week level: a return to normal after a dip is no jump
            expected[:, t], sigma[:, t] = np.maximum(np.maximum(before, long) + offset_t[:, t], 0.0), spread
        expected[silent, t], sigma[silent, t] = 0.0, 0.0
    threshold = np.maximum(np.maximum(th.z * sigma, th.min_impact), th.min_relative * expected)
    with np.errstate(invalid="ignore"):
        flagged = ((y - expected) > threshold) & ~np.isnan(expected)
    flagged |= new
    before_drift = np.maximum(np.roll(level_now, DRIFT_DAYS, axis=1) + offset_t, 0.0)
    with np.errstate(invalid="ignore"):
        drift = _drift(level_now, sigma, flagged, th) & (y - before_drift > th.min_impact)
    expected = np.where(drift, before_drift, expected)
    return Fit(expected, sigma, threshold, flagged | drift, new)


def _drift(level_now: np.ndarray, sigma: np.ndarray, flagged: np.ndarray, th: Thresholds) -> np.ndarray:
    """Days whose level rose too much over DRIFT_DAYS: a slow ramp, which no single day gives away.

    Not counted within DRIFT_DAYS after a day flagged otherwise: a level shift already alerted.
    """
    past = np.full_like(level_now, np.nan)
    past[:, DRIFT_DAYS:] = level_now[:, :-DRIFT_DAYS]
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
