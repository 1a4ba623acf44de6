"""The sidebar opens on the latest period with enough data, and every page says what its data runs through."""

import pytest

from tests.access_helpers import app_as
from tests.bill import charge
from tests.conftest import load_bill
from tests.paths import ROOT


def month(days: range, period: str, cost: str = "10.00") -> list[dict]:
    return [charge("web", "Amazon EC2", cost, day=f"{period}-{d:02d}") for d in days]


@pytest.mark.parametrize("days, opens", [
    (range(1, 2), "2026-09"),  # the first of the month: the complete month before
    (range(1, 9), "2026-10"),  # a week in: month to date, against the same days of the month before
])
def test_the_period_a_page_opens_on(configured, tmp_path, monkeypatch, days, opens):
    load_bill(configured, tmp_path, month(range(1, 31), "2026-09") + month(days, "2026-10"))
    at = app_as(configured, monkeypatch)
    assert next(s for s in at.selectbox if s.label == "Billing period").value == opens
    last = f"{days[-1]} Oct 2026"
    assert any(f"Data through **{last}**" == c.value for c in at.sidebar.caption)
    if opens == "2026-10":
        assert at.metric[1].label == "Same days of 2026-09"
        assert at.metric[1].value == f"${10 * len(days)}.00"  # the same days of September, not all 30
        assert f"month to date: data through {last} ({len(days)} of 31 days)" in at.caption[0].value
    else:
        assert "complete month" in at.caption[0].value
    at.switch_page(str(ROOT / "pages/budgets.py")).run()
    assert "data through" in at.caption[0].value or "complete month" in at.caption[0].value
