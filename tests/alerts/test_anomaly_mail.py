"""Anomaly e-mails state money as Decimals that add up: the exact actual of the anomalous days, the
baseline in cents, and their difference (the detector itself works on float series)."""

from datetime import date
from decimal import Decimal

from lib.alerts import anomaly
from lib.anomalies.detect import Anomaly
from lib.core import money
from tests.anomalies_helpers import add, new_allocated


def test_the_mail_states_the_exact_actual_and_an_impact_that_adds_up():
    con = new_allocated()
    add(con, "web", [None, 1.0, 1.015, None], start=date(2026, 10, 4))  # exactly 2.015 over the 5th and 6th
    float_sum = money.round_total(Decimal(str(1.0 + 1.015)))  # 2.0149999999999997 as the detector sums it
    a = Anomaly(key="web||USD|2026-10-05", team="web", department="eng", service_name="", currency="USD",
                start=date(2026, 10, 5), end=date(2026, 10, 6), actual=float_sum, expected=Decimal("0.50"),
                score=9.0, severity="low")
    assert float_sum == Decimal("2.01") and anomaly.exact_actual(con, a) == Decimal("2.02")
    subject, body = anomaly._text(a, anomaly.exact_actual(con, a))
    assert subject == "[Costbook] web: +$1.52 unexpected cost since 2026-10-05"
    assert "Actual $2.02 vs expected $0.50: +$1.52." in body and "'" not in body
