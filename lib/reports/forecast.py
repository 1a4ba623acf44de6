"""Forecast the rest of a budget period from a daily spend series.

Method (seasonal level + damped robust trend):
  1. day-of-week factors from the last up to 8 weeks: the median, per weekday, of each
     day's ratio to its centred 7-day mean (normalized to average 1);
  2. the deseasonalized last 28 days give a Theil-Sen trend (median of pairwise slopes) and
     a level (median of the last 7 days, moved to the last day along that trend);
  3. day t ahead = (level + trend * (phi + phi^2 + ... + phi^t)) * factor[weekday], phi = 0.95,
     never below zero when the history never was.
The uncertainty band comes from this series' own backtest: the same forecast made from
earlier origins (every 7 days back) and compared with what was then spent; the 80th
percentile of those errors, scaled to the remaining horizon, is the half-width. With too
little history the band is +/- 25% of the forecast part.

Inputs are daily aggregates (a few hundred floats); money totals stay Decimal.

>>> f = period_forecast([10.0] * 35, actual=Decimal(100), horizon=20, first_weekday=0)
>>> f.total
Decimal('300.00')
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import numpy as np

PHI = 0.95
SEASON_DAYS = 56
TREND_DAYS = 28
FALLBACK_BAND = 0.25
METHOD = "weekday factors x damped Theil-Sen trend (8-week season, 28-day trend)"


@dataclass(frozen=True)
class Forecast:
    total: Decimal  # actual to date + forecast of the remaining days
    low: Decimal
    high: Decimal
    daily: tuple[float, ...]  # forecast of each remaining day, in order
    method: str = METHOD


def weekday_factors(y: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
    """Seven multiplicative factors averaging 1 (all 1 when the history is too short or empty)."""
    if len(y) < 21 or y.mean() <= 0:
        return np.ones(7)
    ma = np.convolve(y, np.ones(7) / 7, mode="valid")  # centred: ma[i] is the mean of y[i..i+6]
    centre_y, centre_wd = y[3:-3], weekdays[3:-3]
    ratio = np.full(len(ma), np.nan)
    np.divide(centre_y, ma, out=ratio, where=ma > 0)
    grid = np.full((7, len(ratio) // 7 + 2), np.nan)  # one row per weekday, one column per week
    grid[centre_wd, (np.arange(len(ratio)) + (centre_wd[0] if len(ratio) else 0)) // 7] = ratio
    factors = row_medians(grid)
    factors = np.where(np.isfinite(factors) & (factors >= 0), factors, 1.0)
    return factors * 7 / factors.sum() if factors.sum() > 0 else np.ones(7)


def row_medians(grid: np.ndarray) -> np.ndarray:
    """Median of each row ignoring nan (nan for a row with no values); faster than np.nanmedian here."""
    ordered = np.sort(grid, axis=1)  # nan sorts last
    count = (~np.isnan(grid)).sum(axis=1)
    rows = np.arange(len(grid))
    lo, hi = ordered[rows, np.maximum(count - 1, 0) // 2], ordered[rows, np.maximum(count, 1) // 2]
    return np.where(count > 0, (lo + np.where(count % 2 == 1, lo, hi)) / 2, np.nan)


@lru_cache(maxsize=64)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(n, k=1)


def theil_sen(z: np.ndarray) -> float:
    """Median slope over all pairs of known points (nan = a day with a zero weekday factor)."""
    known = np.flatnonzero(~np.isnan(z))
    if len(known) < 3:
        return 0.0
    a, b = _pairs(len(known))
    i, j = known[a], known[b]
    return float(np.median((z[j] - z[i]) / (j - i)))


def daily_forecast(y, horizon: int, first_weekday: int) -> np.ndarray:
    """Forecast `horizon` days after the series y (oldest first; y[0] fell on weekday first_weekday, Monday=0)."""
    y = np.asarray(y, dtype=float)
    if horizon <= 0:
        return np.zeros(0)
    if len(y) == 0:
        return np.zeros(horizon)
    start_wd = (first_weekday + max(0, len(y) - SEASON_DAYS)) % 7
    y = y[-SEASON_DAYS:]
    weekdays = (start_wd + np.arange(len(y))) % 7
    factors = weekday_factors(y, weekdays)
    f = factors[weekdays]
    z = np.where(f > 0, y / np.where(f > 0, f, 1.0), np.nan)[-TREND_DAYS:]
    slope = theil_sen(z)
    last = len(z) - 1
    recent = np.arange(max(0, len(z) - 7), len(z))
    moved = z[recent] + slope * (last - recent)
    level = float(row_medians(moved[None, :])[0]) if np.any(~np.isnan(moved)) else 0.0
    steps = np.cumsum(PHI ** np.arange(1, horizon + 1))
    future_wd = (weekdays[-1] + np.arange(1, horizon + 1)) % 7
    out = (level + slope * steps) * factors[future_wd]
    return np.maximum(out, 0.0) if y.min() >= 0 else out


def backtest_errors(y, horizon: int, first_weekday: int, origins: int = 5) -> list[float]:
    """Errors (actual - forecast) of the horizon sum from earlier origins, scaled to `horizon` days."""
    y = np.asarray(y, dtype=float)
    errors = []
    for k in range(1, origins + 1):
        cut = len(y) - 7 * k
        if cut < TREND_DAYS:
            break
        h = min(horizon, len(y) - cut)
        predicted = daily_forecast(y[:cut], h, first_weekday).sum()
        errors.append(float(y[cut:cut + h].sum() - predicted) * horizon / h)
    return errors


def period_forecast(history, actual: Decimal, horizon: int, first_weekday: int, skip: int = 0) -> Forecast:
    """Total for a period: `actual` spent so far plus the forecast of `horizon` more days.

    history: daily spend up to the last day with data (includes the period's days so far);
    skip: days between the history's end and the first counted day (a period not yet begun).
    """
    if horizon <= 0:
        return Forecast(actual, actual, actual, ())
    history = np.asarray(history, dtype=float)
    begun = int(np.argmax(history != 0)) if np.any(history != 0) else len(history)
    history, first_weekday = history[begun:], (first_weekday + begun) % 7  # before its first spend a team did not exist
    rest = daily_forecast(history, skip + horizon, first_weekday)[skip:]
    part = float(rest.sum())
    errors = backtest_errors(history, horizon, first_weekday)
    half = float(np.quantile(np.abs(errors), 0.8)) if len(errors) >= 3 else abs(part) * FALLBACK_BAND
    total = actual + _dec(part)
    return Forecast(total, total - _dec(half), total + _dec(half), tuple(float(v) for v in rest))


def _dec(value: float) -> Decimal:
    """A float estimate as Decimal cents (forecasts are estimates; actuals never pass through here)."""
    return Decimal(repr(round(value, 2))).quantize(Decimal("0.01"))
