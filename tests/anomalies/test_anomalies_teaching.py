"""Triage that teaches: 'expected' and 'recurring' decisions cover later anomalies of the same cause, and say so."""

from datetime import date
from decimal import Decimal

import pytest

from lib.alerts import anomaly as alerts
from lib.anomalies import triage
from lib.anomalies.cause import Driver
from lib.anomalies.detect import Anomaly
from lib.core import access
from lib.store.state import open_store

FINANCE = access.User("fiona", "finance")


def batch(day: str, account: str = "409812345601", service: str = "Amazon EC2", team: str = "web") -> Anomaly:
    start = date.fromisoformat(day)
    return Anomaly(f"{team}|{service}|{account}|USD|{day}", team, "engineering", service, "USD", start, start,
                   Decimal("6000"), Decimal("2000"), 9.0, "high", account=account,
                   drivers=(Driver(service, account, "prod", "us-east-1", Decimal("4000"), Decimal(1)),))


@pytest.fixture
def store(tmp_path):
    return open_store(tmp_path / "data")


def test_recurring_covers_the_same_point_of_later_months(store):
    first = batch("2026-03-30")  # the second-to-last day of March
    assert triage.effect(first, "recurring") == (
        "Later anomalies of web / Amazon EC2 / 409812345601 on the second-to-last day of a month will show as "
        "recurring and not alert.")
    assert triage.set_state(store, FINANCE, first, "recurring", "") == ["comment: say why this cost is recurring"]
    assert triage.set_state(store, FINANCE, first, "recurring", "month-end batch") == []
    later = triage.with_states(store, [batch("2026-04-29"), batch("2026-05-30"), batch("2026-05-15"),
                                       batch("2026-04-29", account="409812345602"), batch("2026-02-27")])
    assert [a.state for a in later] == ["recurring", "recurring", "new", "new", "new"]
    assert later[0].comment == f"same pattern as {first.key} (recurring: month-end batch)"


def test_expected_covers_the_cause_for_ninety_days_in_every_account_when_told_at_service_level(store):
    wide = batch("2026-03-10", account="")
    assert wide.cause == "web|Amazon EC2|"
    assert triage.set_state(store, FINANCE, wide, "expected", "migration week") == []
    assert "until 2026-06-08 will show as expected" in triage.effect(wide, "expected")
    later = triage.with_states(store, [batch("2026-03-20"), batch("2026-03-21", account="other"),
                                       batch("2026-07-01"), batch("2026-03-20", service="Amazon S3")])
    assert [a.state for a in later] == ["expected", "expected", "new", "new"]


def test_a_covered_anomaly_does_not_alert(store):
    assert triage.set_state(store, FINANCE, batch("2026-03-30"), "recurring", "month-end batch") == []
    covered = triage.with_states(store, [batch("2026-04-29")])[0]
    assert covered.state == "recurring" and alerts.ALERT_MIN_IMPACT < covered.impact
