"""One forecast wiring: the Overview and the Budgets page tell the same month-end total, band and last day counted."""

import math
from datetime import date, datetime, timedelta, timezone

import pytest

from lib.allocation import cache
from lib.budgets import budget
from lib.budgets.status import budget_status
from lib.config import versions
from lib.config.calendar import calendar
from lib.core import access
from lib.reports import freshness
from lib.reports.overview import overview
from lib.store.lake import engine, new_duck
from lib.store.state import state
from tests.bill import charge
from tests.conftest import ORG, RULES, load_bill

FIRST = date(2026, 1, 1)
LAST = date(2026, 6, 20)  # the newest day delivered
TODAY = date(2026, 6, 21)


def cost(i: int) -> str:
    day = FIRST + timedelta(days=i)
    base = 900 * (1 + i / 400) * (0.4 if day.weekday() >= 5 else 1)
    return f"{base * (1 + 0.05 * math.sin(i * 1.7)):.2f}"


@pytest.fixture
def bill(store, tmp_path):
    assert versions.save_org(store, ORG, access.CLI, "org")[1] == []
    assert versions.save_rules(store, RULES, access.CLI, "rules")[1] == []
    rows = [charge("web", "Amazon EC2", cost(i), day=(FIRST + timedelta(days=i)).isoformat())
            for i in range((LAST - FIRST).days + 1)]
    load_bill(store, tmp_path, rows)
    text = "scope,team,month,amount,currency\ndepartment,engineering,2026-06,30000,USD\n"
    assert budget.load_budgets_csv(store, text, access.CLI)[1] == []
    return store


def both(store):
    con = engine(store, new_duck())
    cache.allocated_view(store, con)
    fresh, cal = freshness.complete_through(store, con), calendar(store)
    o = overview(con, access.CLI, "2026-06", "effective", "USD", today=TODAY, fresh=fresh, cal=cal)
    [s] = budget_status(store, con, access.CLI, month="2026-06",
                        now=datetime.combine(TODAY, datetime.min.time(), timezone.utc))
    return o, s


def test_overview_and_budgets_agree(bill):
    o, s = both(bill)
    assert (o.forecast.total, o.forecast.low, o.forecast.high) == (s.forecast.total, s.forecast.low, s.forecast.high)
    assert s.as_of == LAST and o.forecast.low < o.forecast.total < o.forecast.high
    assert len(s.forecast.daily) == 10  # 21..30 June


def test_days_not_fully_delivered_are_forecast_not_counted(bill):
    with state(bill, write=True) as db:  # the refresh ran at 14:00 on the newest day: AWS settles in 24 hours
        db.execute("update ingest_runs set finished_at = ?", ("2026-06-20T14:00:00+00:00",))
    o, s = both(bill)
    assert s.as_of == date(2026, 6, 18)
    assert (o.forecast.total, o.forecast.low, o.forecast.high) == (s.forecast.total, s.forecast.low, s.forecast.high)
    assert len(s.forecast.daily) == 12  # 19..30 June: the two partial days are forecast
