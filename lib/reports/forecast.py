"""Forecast the rest of a budget period from a daily spend series, with a band that means what it says.

Method (additive, with the rhythms the anomaly baseline knows, lib.reports.rhythm):
  1. weekday offsets from the last up to 8 weeks: per weekday, the median of each day minus
     its centred 7-day mean;
  2. calendar effects: day-of-month and month-end effects that recurred in the last two months
     (a month-end batch), and the series' own holiday effect (learned from its past holidays);
  3. the de-seasonalized last 28 days give a Theil-Sen trend (median of pairwise slopes) and a
     level (median of the last 14 days, moved to the last day along that trend);
  4. day t ahead = level + trend * (phi + ... + phi^t) + offset + calendar effects, phi = 0.95,
     never below zero when the history never was.
The band is calibrated on this series' own backtest: the same forecast made from ORIGINS earlier
origins (every 7 days back) for the same horizon, compared with what was then spent; the
relative errors at the ranks split-conformal prediction gives for 80% (`conformal`), applied to
the forecast part, are the band. With too
little history the band is +/- 25% of the forecast part.

`forecast_period` is the one wiring: the history window, which day counts as the last one
spent (`as_of_day`: yesterday, or the last day every provider has fully delivered), the
horizon and the holidays. The Overview and the Budgets page both call it, so they agree.

Inputs are daily aggregates (a few hundred floats); money totals stay Decimal.

>>> f = period_forecast([10.0] * 35, actual=Decimal(100), horizon=20, first_day=date(2026, 1, 5))
>>> f.total
Decimal('300.00')
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

import numpy as np

from lib.reports import rhythm

PHI = 0.95
SEASON_DAYS = 56
TREND_DAYS = 56
LEVEL_DAYS = 14
MIN_BACKTEST = 35  # days of history an origin needs
ORIGINS = 20
MIN_ORIGINS = 4
HISTORY_DAYS = SEASON_DAYS + 7 * ORIGINS + 42  # 34 weeks: the season, the backtest origins, a month's horizon
FALLBACK_BAND = 0.25
BAND = (0.1, 0.9)
METHOD = "weekday offsets + month and holiday rhythms + damped Theil-Sen trend; band from 20 weekly backtests"


@dataclass(frozen=True)
class Forecast:
    total: Decimal  # actual to date + forecast of the remaining days
    low: Decimal
    high: Decimal
    daily: tuple[float, ...]  # forecast of each remaining day, in order
    method: str = METHOD


def weekday_offsets(y: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
    """Seven additive offsets: per weekday, the median of the day minus its centred 7-day mean (NaN = no data).

    Against a centred mean, a trend does not leak into the offsets (a week's median would).

    >>> weekday_offsets(np.array([10.0, 10, 10, 10, 10, 3, 3] * 3), np.arange(21) % 7).tolist()
    [2.0, 2.0, 2.0, 2.0, 2.0, -5.0, -5.0]
    """
    if len(y) < 21:
        return np.zeros(7)
    known = ~np.isnan(y)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.convolve(np.where(known, y, 0.0), np.ones(7), "valid") / np.convolve(known, np.ones(7), "valid")
    resid = y[3:-3] - mean
    grid = np.full((7, len(resid) // 7 + 2), np.nan)  # one row per weekday, one column per week
    grid[weekdays[3:-3], np.arange(len(resid)) // 7] = resid
    out = np.nan_to_num(rhythm._nanmedian(grid, 1))
    return out - out.mean()


@lru_cache(maxsize=64)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(n, k=1)


def theil_sen(z: np.ndarray) -> float:
    """Median slope over all pairs of known points (NaN = a day that says nothing)."""
    known = np.flatnonzero(~np.isnan(z))
    if len(known) < 3:
        return 0.0
    a, b = _pairs(len(known))
    i, j = known[a], known[b]
    return float(np.median((z[j] - z[i]) / (j - i)))


def _calendar(y: np.ndarray, days: rhythm.Days, hol: np.ndarray, offsets: np.ndarray, month_now: int):
    """Month-position and holiday effects learned from the history's residuals around a local level."""
    flat = np.where(hol[:len(y)], np.nan, y - offsets[days.weekday[:len(y)]])
    padded = np.pad(flat, 3, mode="edge")
    local = rhythm._nanmedian(np.stack([padded[i:i + len(flat)] for i in range(7)], axis=1), 1)
    resid = (y - offsets[days.weekday[:len(y)]] - local)[None, :]
    diffs = flat[-35:][7:] - flat[-35:][:-7]
    spread = np.array([1.4826 * float(np.nan_to_num(rhythm._nanmedian(np.abs(diffs), 0))) / np.sqrt(2)])
    dom_e, eom_e = rhythm.position_effects(np.where(hol[None, :len(y)], np.nan, resid), days, month_now, spread)
    hol_e = rhythm.holiday_effect(resid, hol[None, :len(y)], spread)
    return dom_e, eom_e, float(hol_e[0])


def daily_forecast(y, horizon: int, first_day: date, holidays=frozenset(), memo: dict | None = None,
                   calendar: tuple | None = None) -> np.ndarray:
    """Forecast `horizon` days after the series y (oldest first; y[0] is the spend of first_day).

    memo: calendar effects per month, shared by backtests of one series (they learn only from earlier months);
    calendar: (days, holiday mask) from first_day, at least len(y) + horizon long (computed when None).
    """
    y = np.asarray(y, dtype=float)
    if horizon <= 0:
        return np.zeros(0)
    if len(y) == 0:
        return np.zeros(horizon)
    days, hol = calendar or (rhythm.days_of(first_day, len(y) + horizon),
                             rhythm.holiday_mask(first_day, len(y) + horizon, holidays))
    recent = slice(max(0, len(y) - SEASON_DAYS), len(y))
    offsets = weekday_offsets(np.where(hol[recent], np.nan, y[recent]), days.weekday[recent])
    month = int(days.month[len(y)])
    memo = {} if memo is None else memo
    if month not in memo:
        memo[month] = _calendar(y, days, hol, offsets, month)
    dom_e, eom_e, hol_e = memo[month]
    effect = rhythm.effect_on(days, np.arange(len(y) + horizon), dom_e, eom_e)[0]
    effect = effect + np.where(hol[:len(y) + horizon], hol_e, 0.0)
    z = np.where(hol[:len(y)], np.nan, y - offsets[days.weekday[:len(y)]] - effect[:len(y)])[-TREND_DAYS:]
    slope = theil_sen(z)
    last = len(z) - 1
    tail = np.arange(max(0, len(z) - LEVEL_DAYS), len(z))
    moved = z[tail] + slope * (last - tail)
    level = float(np.nan_to_num(rhythm._nanmedian(moved, 0))) if np.any(~np.isnan(moved)) else 0.0
    steps = np.cumsum(PHI ** np.arange(1, horizon + 1))
    future = np.arange(len(y), len(y) + horizon)
    out = level + slope * steps + offsets[days.weekday[future]] + effect[future]
    return np.maximum(out, 0.0) if y.min() >= 0 else out


def backtest_errors(y, horizon: int, first_day: date, holidays=frozenset(), origins: int = ORIGINS) -> list[float]:
    """Relative errors (actual / forecast - 1) of the horizon sum from earlier origins, every 7 days back."""
    y = np.asarray(y, dtype=float)
    errors, memo = [], {}
    calendar = (rhythm.days_of(first_day, len(y) + horizon), rhythm.holiday_mask(first_day, len(y) + horizon, holidays))
    for k in range(1, origins + 1):
        cut = len(y) - 7 * k
        if cut < MIN_BACKTEST:
            break
        h = min(horizon, len(y) - cut)
        predicted = float(daily_forecast(y[:cut], h, first_day, holidays, memo, calendar).sum())
        if abs(predicted) > 1e-9:
            errors.append(float(y[cut:cut + h].sum()) / predicted - 1)
    return errors


def conformal(errors: list[float], band: tuple[float, float] = BAND) -> tuple[float, float]:
    """The band's ends from n backtest errors by rank, as split conformal prediction does.

    The k-th smallest with k = floor((n + 1) * 0.1) and the k-th with k = ceil((n + 1) * 0.9): with
    n errors the next one falls inside with probability 80%; plain quantiles of a few errors are too narrow.

    >>> conformal([float(e) for e in range(20)])
    (1.0, 18.0)
    """
    ordered = sorted(errors)
    n = len(ordered)
    lo = max(1, int(np.floor((n + 1) * band[0])))
    hi = min(n, int(np.ceil((n + 1) * band[1])))
    return ordered[lo - 1], ordered[hi - 1]


def period_forecast(history, actual: Decimal, horizon: int, first_day: date, skip: int = 0,
                    holidays=frozenset()) -> Forecast:
    """Total for a period: `actual` spent so far plus the forecast of `horizon` more days.

    history: daily spend up to the last day counted (includes the period's days so far), history[0]
    on first_day; skip: days between the history's end and the first counted day (a period not yet begun).
    """
    if horizon <= 0:
        return Forecast(actual, actual, actual, ())
    history = np.asarray(history, dtype=float)
    begun = int(np.argmax(history != 0)) if np.any(history != 0) else len(history)
    history, first_day = history[begun:], first_day + timedelta(days=begun)  # before its first spend a team did not exist
    rest = daily_forecast(history, skip + horizon, first_day, holidays)[skip:]
    part = float(rest.sum())
    errors = backtest_errors(history, skip + horizon, first_day, holidays)
    if len(errors) >= MIN_ORIGINS:
        lo, hi = conformal(errors)
        low, high = part * (1 + min(lo, 0.0)), part * (1 + max(hi, 0.0))
    else:
        low, high = part - abs(part) * FALLBACK_BAND, part + abs(part) * FALLBACK_BAND
    return Forecast(actual + _dec(part), actual + _dec(low), actual + _dec(high), tuple(float(v) for v in rest))


def as_of_day(today: date, last_complete: date | None) -> date:
    """The last day counted as spent: yesterday, or the last day every provider has fully delivered."""
    return min(today - timedelta(days=1), last_complete) if last_complete else today - timedelta(days=1)


def forecast_period(daily: dict, actual: Decimal, start: date, end: date, as_of: date,
                    holidays=frozenset()) -> Forecast:
    """The forecast of a period [start, end) from daily spend (day -> amount) up to as_of: the one wiring.

    actual: what the period has spent up to as_of (the caller's own attribution of charges to it).
    """
    first = as_of - timedelta(days=HISTORY_DAYS - 1)
    series = [float(daily.get(first + timedelta(days=i), 0)) for i in range(HISTORY_DAYS)]
    remaining = (end - max(start, as_of + timedelta(days=1))).days
    skip = max(0, (start - (as_of + timedelta(days=1))).days)
    return period_forecast(series, actual, max(0, remaining), first, skip, holidays)


def _dec(value: float) -> Decimal:
    """A float estimate as Decimal cents (forecasts are estimates; actuals never pass through here)."""
    return Decimal(repr(round(float(value), 2))).quantize(Decimal("0.01"))
