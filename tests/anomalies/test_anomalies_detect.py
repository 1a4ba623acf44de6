"""Detection, folding and root cause on an `allocated` table written day by day (day 0 is a Monday)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from lib.anomalies.baseline import Thresholds
from lib.anomalies.cause import Driver
from lib.anomalies.detect import detect
from lib.core import access, money
from tests.anomalies_helpers import START, add, new_allocated, weekly, wobble

WEEKS = 16
DAYS = WEEKS * 7
HEAD_ENG = access.User("dana", "department_head", frozenset({"eng"}))
HEAD_DATA = access.User("dora", "department_head", frozenset({"data"}))


def with_spike(values, day, amount):
    return [v + amount if i == day else v for i, v in enumerate(values)]


def month_starts():
    return [i for i in range(DAYS) if (START + timedelta(days=i)).day == 1]


@pytest.fixture
def con():
    return new_allocated()


def test_known_rhythms_raise_nothing(con):
    add(con, "web", wobble(weekly(WEEKS, 1200, 300)))  # weekends
    add(con, "web", [v * (1 + i / 120) for i, v in enumerate(wobble(weekly(WEEKS, 800, 800)))],
        service="Amazon S3")  # steady growth, almost doubling
    fees = [9000 if i in month_starts() else None for i in range(DAYS)]
    add(con, "web", fees, service="AWS Support (Business)", frequency="Recurring")  # month-start fee
    add(con, "web", [None] * 70 + [250_000] + [None] * (DAYS - 71), service="Savings Plans for AWS Compute",
        category="Purchase", frequency="One-Time")  # commitment purchase
    add(con, "web", [500 if i in month_starts() else None for i in range(DAYS)], service="Tax",
        category="Tax", frequency="One-Time")
    add(con, "web", [-2000 if i in month_starts() else None for i in range(DAYS)], service="Amazon EC2",
        category="Credit", frequency="One-Time")
    assert detect(con, access.CLI) == []


def test_spike_is_found_and_explained(con):
    base = wobble(weekly(WEEKS, 1000, 400))
    add(con, "web", base, account="111", region="us-east-1")
    add(con, "web", with_spike(base, 100, 4210), account="222", region="eu-west-1", resource="i-0abc")
    add(con, "web", wobble(weekly(WEEKS, 300, 300)), service="Amazon S3")
    [a] = detect(con, access.CLI)  # one cause, one alert: told at the account that carries it
    assert (a.team, a.service_name, a.account, a.start, a.days) == ("web", "Amazon EC2", "222",
                                                                    START + timedelta(days=100), 1)
    assert a.actual == Decimal(str(round(base[100] + 4210, 6)))
    assert abs(a.impact - Decimal(4210)) < 100
    top = a.drivers[0]
    assert (top.service_name, top.account, top.region) == ("Amazon EC2", "222", "eu-west-1")
    assert top.share == 1 and top.change == money.round_total(top.change) and abs(top.change - a.impact) < 1
    assert a.explanation.startswith("web / Amazon EC2 in account 222 (acct 222) +$")
    assert a.explanation.endswith("vs expected, region eu-west-1, resource i-0abc")
    assert top.resources[0].resource_id == "i-0abc" and abs(top.resources[0].change - 4210) < 100
    assert a.cause == "web|Amazon EC2|222"


def test_driver_amounts_and_shares_describe_the_same_days(con):
    """A 41-day rise told at team level: each driver's amount is its share of the rise over those days."""
    add(con, "ml", wobble(weekly(WEEKS, 3000, 3000)), service="Compute Engine", account="p1")
    vertex = [v + (700 if 60 <= i < 101 else 0) for i, v in enumerate(wobble(weekly(WEEKS, 400, 400)))]
    storage = [v + (650 if 60 <= i < 101 else 0) for i, v in enumerate(wobble(weekly(WEEKS, 300, 300)))]
    add(con, "ml", vertex, service="Vertex AI", account="p2")
    add(con, "ml", storage, service="Cloud Storage", account="p3")
    found = detect(con, access.CLI)
    a = next(x for x in found if x.start == START + timedelta(days=60))
    assert a.service_name == ""  # no single account carries 75% of it
    rise = sum(d.change for d in a.drivers)
    assert abs(rise - a.impact) < a.impact * Decimal("0.1")
    for d in a.drivers:
        assert abs(d.share * rise - d.change) <= Decimal("0.01") * rise  # the share is of these amounts
        assert f"+{money.fmt(d.change, 'USD')} from {d.service_name}" in a.explanation
    assert {d.service_name for d in a.drivers} == {"Vertex AI", "Cloud Storage"}


def test_spike_hidden_by_a_drop_elsewhere_is_found_per_service(con):
    add(con, "data", wobble(weekly(WEEKS, 6000, 6000)), service="Amazon EC2", department="data")
    add(con, "data", wobble(weekly(WEEKS, 500, 500)), service="Amazon EMR", department="data")
    ec2 = wobble(weekly(WEEKS, 6000, 6000))
    con.execute("delete from allocated where ServiceName = 'Amazon EC2' and ChargeDate between ? and ?",
                [START + timedelta(days=90), START + timedelta(days=94)])
    add(con, "data", [e - 1200 for e in ec2[90:95]], service="Amazon EC2", department="data",
        start=START + timedelta(days=90))
    con.execute("update allocated set effective = effective + 1200 where ServiceName = 'Amazon EMR' "
                "and ChargeDate between ? and ?", [START + timedelta(days=90), START + timedelta(days=94)])
    found = detect(con, access.CLI)  # +1200 a day is 18% of the team's day: material (min_team_share 15%)
    assert [(a.team, a.service_name, a.start) for a in found] == [("data", "Amazon EMR", START + timedelta(days=90))]
    assert detect(con, access.CLI, th=Thresholds(min_team_share=0.25)) == []  # not worth telling at 25%


def test_level_shift_alerts_once(con):
    add(con, "api", [v + (950 if i >= 80 else 0) for i, v in enumerate(wobble(weekly(WEEKS, 2000, 900)))])
    [a] = detect(con, access.CLI)
    assert a.start == START + timedelta(days=80) and a.days <= 5


def test_new_service_is_an_anomaly(con):
    add(con, "search", wobble(weekly(WEEKS, 3000, 1500)))
    add(con, "search", [None] * 90 + [650] * (DAYS - 90), service="Amazon OpenSearch Service")
    found = detect(con, access.CLI)
    assert [(a.service_name or a.drivers[0].service_name, a.start) for a in found] == \
        [("Amazon OpenSearch Service", START + timedelta(days=90))]


def test_no_resource_named_when_another_team_shares_the_slice(con):
    add(con, "web", with_spike(wobble(weekly(WEEKS, 1000, 400)), 100, 4210), resource="i-web")
    add(con, "api", wobble(weekly(WEEKS, 1000, 400)), resource="i-api")  # same service, account and region
    [a] = detect(con, access.CLI)
    assert a.team == "web" and a.drivers[0].resources == () and "resource" not in a.explanation


def test_scope_and_since(con):
    add(con, "web", with_spike(wobble(weekly(WEEKS, 1000, 400)), 60, 3000))
    add(con, "etl", with_spike(wobble(weekly(WEEKS, 1000, 400)), 100, 3000), department="data")
    assert {a.team for a in detect(con, access.CLI)} == {"web", "etl"}
    assert [a.team for a in detect(con, HEAD_ENG)] == ["web"]
    assert [a.team for a in detect(con, HEAD_DATA)] == ["etl"]
    assert [a.team for a in detect(con, access.CLI, since=START + timedelta(days=61))] == ["etl"]
    with pytest.raises(access.PermissionDenied):
        detect(con, access.User("x", "nobody"))


def test_most_severe_first_and_cost_basis(con):
    add(con, "web", with_spike(wobble(weekly(WEEKS, 1000, 400)), 60, 900))
    add(con, "big", with_spike(wobble(weekly(WEEKS, 1000, 400)), 70, 9000))
    assert [a.team for a in detect(con, access.CLI, "billed")] == ["big", "web"]
    with pytest.raises(ValueError):
        detect(con, access.CLI, "amortized; drop table allocated")


def test_driver_text():
    d = Driver("Amazon EC2", "1234", "Prod", "us-east-1", Decimal("4210"), Decimal("0.87"))
    assert d.describe("USD") == "+$4,210.00 from Amazon EC2 in account 1234 (Prod), region us-east-1 (87% of the rise)"
