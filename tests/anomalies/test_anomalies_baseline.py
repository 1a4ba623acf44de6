"""Table tests of the baseline and thresholds on short hand-written daily series (day 0 is a Monday)."""

import numpy as np
import pytest

from lib.anomalies.baseline import Thresholds, events, fit_series, weekday_offsets
from tests.anomalies_helpers import weekly, wobble


def spike(values, day, amount):
    out = list(values)
    out[day] += amount
    return out


def shift(values, day, amount):
    return [v + amount if i >= day else v for i, v in enumerate(values)]


def grow(values, per_day):
    return [v * (1 + per_day * i) for i, v in enumerate(values)]


def flagged_days(values, th=None):
    fit = fit_series(np.array([values], dtype=float), th or Thresholds())
    return [int(i) for i in np.flatnonzero(fit.flagged[0])]


WEEKS = 12
CASES = [
    # name, series, days that must be flagged (exactly)
    ("flat with noise", wobble(weekly(WEEKS, 1000, 1000)), []),
    ("weekend dip", wobble(weekly(WEEKS, 1000, 250)), []),
    ("weekday-only usage", wobble(weekly(WEEKS, 800, 0)), []),
    ("steady growth, +50% in 12 weeks", grow(wobble(weekly(WEEKS, 1000, 400)), 0.5 / 84), []),
    ("a drop is not an alert", shift(wobble(weekly(WEEKS, 1000, 400)), 60, -600), []),
    ("one-day spike", spike(wobble(weekly(WEEKS, 1000, 400)), 59, 900), [59]),
    ("spike on a weekend day", spike(wobble(weekly(WEEKS, 1000, 200)), 61, 400), [61]),
    ("two spikes a week apart", spike(spike(wobble(weekly(WEEKS, 1000, 400)), 50, 900), 57, 900), [50, 57]),
    ("tiny cost, 10x spike, under the minimum impact", spike(wobble(weekly(WEEKS, 3, 3)), 60, 30), []),
    ("huge cost, +4% is noise-like and under the minimum change",
     spike(weekly(WEEKS, 100_000, 100_000), 60, 4_000), []),
    ("a new series appears", [0.0] * 50 + [300.0] * 34, [50, 51, 52, 53]),
    ("too little history is not judged", spike(weekly(2, 1000, 1000), 10, 5000), []),
]


@pytest.mark.parametrize("name,values,expected", CASES, ids=[c[0] for c in CASES])
def test_flagged_days(name, values, expected):
    assert flagged_days(values) == expected


def test_level_shift_alerts_once_then_is_the_new_normal():
    values = shift(wobble(weekly(WEEKS, 1000, 400)), 56, 800)
    days = flagged_days(values)
    assert days and days[0] == 56  # caught on its first day
    assert events(np.isin(np.arange(len(values)), days)) == [(56, days[-1])]  # one anomaly
    assert days[-1] <= 56 + 5  # after a few days the new level is normal


def test_slow_ramp_is_caught_as_drift():
    base = wobble(weekly(WEEKS, 1000, 400))
    ramp = [v + max(0, i - 40) * 25 for i, v in enumerate(base)]  # +25 a day more, every day from day 41
    days = flagged_days(ramp)
    assert days and 41 < days[0] <= 41 + 21  # caught within three weeks, never before it starts
    assert not flagged_days(base)


def test_return_to_normal_after_a_dip_is_no_jump():
    dip = [v - 500 if 60 <= i < 65 else v for i, v in enumerate(wobble(weekly(WEEKS, 1000, 1000)))]
    assert flagged_days(dip) == []


def test_spike_does_not_raise_the_baseline_of_later_days():
    clean = wobble(weekly(WEEKS, 1000, 400))
    spiked = spike(spike(clean, 49, 5000), 56, 5000)
    a = fit_series(np.array([clean]), Thresholds())
    b = fit_series(np.array([spiked]), Thresholds())
    assert b.expected[0, 63] == pytest.approx(a.expected[0, 63], rel=0.02)
    assert 63 not in flagged_days(spiked) and 49 in flagged_days(spiked) and 56 in flagged_days(spiked)


@pytest.mark.parametrize("th,expected", [
    (Thresholds(z=4, min_impact=50, min_relative=0.25), [60]),
    (Thresholds(z=4, min_impact=500, min_relative=0.25), []),  # impact 300 < 500
    (Thresholds(z=4, min_impact=50, min_relative=0.5), []),  # +30% < 50%
    (Thresholds(z=50, min_impact=50, min_relative=0.25), []),  # not 50 sigma
])
def test_every_threshold_must_be_passed(th, expected):
    assert flagged_days(spike(wobble(weekly(WEEKS, 1000, 1000)), 60, 300), th) == expected


def test_expected_follows_the_weekday_and_level():
    values = weekly(WEEKS, 1000, 250)
    fit = fit_series(np.array([values]), Thresholds())
    assert fit.expected[0, 70] == pytest.approx(1000)  # a Monday
    assert fit.expected[0, 75] == pytest.approx(250)  # a Saturday
    assert np.isnan(fit.expected[0, 3])  # no history yet


def test_weekday_offsets_of_a_weekend_dip():
    h = np.array([weekly(8, 10, 2)])
    assert weekday_offsets(h, np.arange(56) % 7)[0].tolist() == [0, 0, 0, 0, 0, -8, -8]
    h = np.array([weekly(2, 10, 2)[3:] + weekly(6, 10, 2)])  # history starting on a Thursday
    assert weekday_offsets(h, np.arange(3, 56) % 7)[0].tolist() == [0, 0, 0, 0, 0, -8, -8]


@pytest.mark.parametrize("flags,runs", [
    ([0, 0, 0], []),
    ([1, 1, 0, 0, 1], [(0, 1), (4, 4)]),
    ([1, 0, 1], [(0, 2)]),  # one quiet day inside a run does not split it
])
def test_events(flags, runs):
    assert events(np.array(flags, dtype=bool)) == runs
