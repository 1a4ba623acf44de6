"""Budget status as table tests: actual, forecast, band, overrun day, burn rate, on a hand-written series.

The series: from 1 January 2026, web spends 10 a day (billed 12), search 10 on weekdays and
nothing at weekends, data-platform 7 EUR a day plus one 1000 USD charge. "Now" is the
morning of Saturday 21 March and the data reaches Friday 20 March: every charge of a budget's
months counts as actual (the cells, what the Teams page shows), the forecast starts on the 21st.
"""

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from lib.budgets import budget
from lib.budgets.status import budget_status
from lib.config import versions
from lib.core import access
from lib.store.lake import new_duck
from tests.budgets_helpers import allocated_table, daily
from tests.conftest import ORG

NOW = datetime(2026, 3, 21, 8, tzinfo=timezone.utc)
FINANCE = access.User("fiona", "finance")
DAYS = 79  # 1 Jan .. 20 Mar
WEEKDAYS = [0 if date.fromordinal(date(2026, 1, 1).toordinal() + i).weekday() >= 5 else 10 for i in range(90)]


def series(days: int = DAYS) -> list[tuple]:
    return (daily("web", "2026-01-01", [10] * days, billed=[12] * days) + daily("search", "2026-01-01", WEEKDAYS[:days])
            + daily("data-platform", "2026-01-01", [7] * days, currency="EUR")
            + daily("data-platform", "2026-03-05", [1000]))

BUDGETS = """scope,team,month,amount,currency
team,web,2026-03,400,USD
team,search,2026-03,200,USD
department,engineering,2026-03,500,USD
team,web,2026-04,500,USD
team,web,2026-Q1,1000,USD
team,data-platform,2026-03,100,EUR
"""


@pytest.fixture
def setup(store):
    assert versions.save_org(store, ORG, access.CLI, "test org")[1] == []
    con = new_duck()
    allocated_table(con, series())
    return store, con


def status_of(setup, csv=BUDGETS, now=NOW, user=FINANCE, metric="effective", month=None):
    store, con = setup
    assert budget.load_budgets_csv(store, "team,month,amount,currency\n" if not csv else csv, FINANCE)[1] == []
    return {s.budget.key: s for s in budget_status(store, con, user, metric, month, now, view="alloc_test")}


@pytest.mark.parametrize("key, actual, total, low, high, state, overrun, burn", [
    # flat 10 a day: 200 by the 20th, 110 more in the 11 days left
    ("team:web:2026-03", "200", "310.00", "310.00", "310.00", "on track", None, "10.00"),
    # weekdays only: 15 weekdays so far, 7 left (23-27, 30, 31); 200 is reached on the 27th, passed on the 30th
    ("team:search:2026-03", "150", "220.00", "220.00", "220.00", "at risk", date(2026, 3, 30), "7.50"),
    # department = its teams: 20 a day on average
    ("department:engineering:2026-03", "350", "530.00", "530.00", "530.00", "at risk", date(2026, 3, 30), "17.50"),
    # a month not yet begun: all forecast (30 days after 11 days not counted)
    ("team:web:2026-04", "0", "300.00", "300.00", "300.00", "on track", None, "0.00"),
    # a quarter: January, February and March so far, 11 days left
    ("team:web:2026-Q1", "790", "900.00", "900.00", "900.00", "on track", None, "10.00"),
    # EUR spend only: the 1000 USD charge of the same team does not count in a EUR budget
    ("team:data-platform:2026-03", "140", "217.00", "217.00", "217.00", "over", date(2026, 3, 15), "7.00"),
])
def test_status_table(setup, key, actual, total, low, high, state, overrun, burn):
    s = status_of(setup)[key]
    assert (s.actual, s.forecast.total, s.forecast.low, s.forecast.high) == tuple(
        Decimal(v) for v in (actual, total, low, high))
    assert (s.state, s.overrun, s.burn_rate) == (state, overrun, Decimal(burn))


def test_overrun_day_from_actual_and_from_forecast(setup):
    tight = BUDGETS.replace("team,web,2026-03,400,USD", "team,web,2026-03,250,USD")
    s = status_of(setup, tight)["team:web:2026-03"]
    assert (s.state, s.overrun, s.pct, s.forecast_pct) == ("at risk", date(2026, 3, 26), Decimal("80.0"), Decimal("124.0"))
    over = BUDGETS.replace("team,web,2026-03,400,USD", "team,web,2026-03,150,USD")
    s = status_of(setup, over)["team:web:2026-03"]
    assert (s.state, s.overrun) == ("over", date(2026, 3, 16))  # 150 reached on the 15th, passed on the 16th


def test_a_finished_period_has_no_forecast_left(setup):
    allocated_table(setup[1], series(90))  # the rest of March has arrived
    s = status_of(setup, now=datetime(2026, 4, 5, tzinfo=timezone.utc))["team:web:2026-03"]
    assert (s.actual, s.forecast.total, s.forecast.low, s.forecast.high) == (Decimal(310),) * 4
    assert s.as_of == date(2026, 3, 31)  # the last day with data, not "yesterday"
    assert len(s.days) == 31 and sum(v for _, v in s.days) == s.actual


def test_cost_basis_is_chosen_never_mixed(setup):
    s = status_of(setup, metric="billed")["team:web:2026-03"]
    assert (s.actual, s.forecast.total, s.metric) == (Decimal(240), Decimal("372.00"), "billed")
    with pytest.raises(ValueError):
        status_of(setup, metric="effective+billed")


def test_scoped_user_and_month_filter(setup):
    dora = access.User("dora", "department_head", frozenset({"data"}))
    assert list(status_of(setup, user=dora)) == ["team:data-platform:2026-03"]
    assert sorted(status_of(setup, month="2026-02")) == ["team:web:2026-Q1"]


def test_a_new_team_gets_a_wider_band_from_its_short_history(setup):
    store, con = setup
    allocated_table(con, daily("web", "2026-02-15", [10] * 34))  # five weeks of history: too few backtests
    s = status_of(setup)["team:web:2026-03"]
    assert (s.forecast.total, s.forecast.low, s.forecast.high) == (Decimal(310), Decimal("282.50"), Decimal("337.50"))


def test_noisy_series_has_a_band_around_the_forecast(setup):
    store, con = setup
    noise = [10 + (i * 7919 % 13) - 6 for i in range(DAYS)]  # 4..16, deterministic
    allocated_table(con, daily("web", "2026-01-01", noise))
    s = status_of(setup)["team:web:2026-03"]
    # the band comes from the series' own backtest errors, which may all lie on one side of the forecast
    assert s.forecast.low <= s.forecast.total <= s.forecast.high and s.forecast.low < s.forecast.high
    assert Decimal(60) < s.forecast.total - s.actual < Decimal(160)  # 11 days of about 10
