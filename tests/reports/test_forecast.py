"""The forecast method as table tests on small daily series (Monday = weekday 0)."""

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from lib.reports.forecast import daily_forecast, period_forecast, weekday_offsets

WEEKLY = [10, 10, 10, 10, 10, 2, 2] * 8  # starts on a Monday: weekdays 10, weekends 2
MONDAY = date(2026, 1, 5)


@pytest.mark.parametrize("name, history, first_weekday, horizon, expected", [
    ("flat", [5.0] * 40, 0, 3, [5, 5, 5]),
    ("weekly pattern, next is Monday", WEEKLY, 0, 7, [10, 10, 10, 10, 10, 2, 2]),
    ("weekly pattern, started on a Wednesday", WEEKLY[2:], 2, 2, [10, 10]),
    ("rising 1 a day, trend damped by 0.95", [float(d) for d in range(30)], 0, 2, [29.95, 30.8525]),
    ("one-day spike is ignored", [10.0] * 34 + [500.0] + [10.0] * 5, 0, 2, [10, 10]),
    ("too short for a trend: the median level", [4.0, 6.0], 0, 2, [5, 5]),
    ("no history", [], 0, 2, [0, 0]),
    ("falling never goes below zero", [float(30 - d) for d in range(30)], 0, 40, None),
])
def test_daily_forecast(name, history, first_weekday, horizon, expected):
    out = daily_forecast(history, horizon, MONDAY + timedelta(days=first_weekday))
    if expected is None:
        assert out.min() >= 0 and out[-1] == 0
    else:
        assert out.round(4).tolist() == pytest.approx(expected)


def test_weekday_offsets_from_a_history_starting_midweek():
    f = weekday_offsets(np.array(WEEKLY[3:], dtype=float), (np.arange(53) + 3) % 7)
    assert np.round(f, 6).tolist() == pytest.approx([54 / 7 - 54 / 7 + 16 / 7] * 5 + [-40 / 7] * 2)


@pytest.mark.parametrize("history, actual, horizon, skip, total, low, high", [
    ([10.0] * 70, "100.5", 10, 0, "200.50", "200.50", "200.50"),  # exact series: backtests err by 0
    ([10.0] * 70, "0", 10, 5, "100.00", "100.00", "100.00"),  # 5 days not counted before the period
    ([10.0] * 10, "50", 4, 0, "90.00", "80.00", "100.00"),  # short history: +/- 25% of the forecast part
    ([10.0] * 70, "77.7", 0, 0, "77.7", "77.7", "77.7"),  # nothing left to forecast
])
def test_period_forecast(history, actual, horizon, skip, total, low, high):
    f = period_forecast(history, Decimal(actual), horizon, MONDAY, skip)
    assert (f.total, f.low, f.high) == (Decimal(total), Decimal(low), Decimal(high))
    assert len(f.daily) == horizon


def test_band_widens_with_noise():
    rng = np.random.default_rng(7)
    calm = list(100 + rng.normal(0, 2, 84))
    wild = list(100 + rng.normal(0, 30, 84))
    width = [period_forecast(h, Decimal(0), 14, MONDAY) for h in (calm, wild)]
    assert width[0].high - width[0].low < width[1].high - width[1].low
    for f in width:
        assert f.low <= f.total <= f.high
