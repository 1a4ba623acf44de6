"""No input makes detection raise: random daily series through `detect`, and random bills through the CLI."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.anomalies.baseline import Thresholds
from lib.anomalies.detect import SEVERITY, detect, severity
from lib.cli import main
from lib.config import versions
from lib.core import access
from lib.store.state import open_store
from tests.anomalies_helpers import START, add, new_allocated
from tests.bill import charge
from tests.conftest import ORG, RULES, load_bill

NAMES = {name for name, _ in SEVERITY}
day_cost = st.one_of(st.none(), st.just(0.0), st.floats(-800, 6000, allow_nan=False),
                     st.sampled_from([100.0, 100.0, 100.0, 5000.0]))
series = st.lists(day_cost, min_size=1, max_size=130)
slices = st.lists(st.tuples(st.sampled_from(["web", "api"]), st.sampled_from(["EC2", "S3", "Lambda"]),
                            st.sampled_from(["111", "222", None]), series), min_size=1, max_size=4)
limits = st.builds(Thresholds, z=st.floats(0.1, 8), min_impact=st.floats(0, 200), min_relative=st.floats(0, 1),
                   drift_relative=st.floats(0.01, 1), min_team_share=st.floats(0, 1))


def test_severity_of_an_impact_below_every_threshold():
    assert severity(Decimal("-12.50"), Thresholds()) == "low"  # a folded event can end up below zero
    assert severity(Decimal("0"), Thresholds(min_impact=0)) == "high"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(slices, limits, st.integers(0, 130))
def test_detect_never_raises(parts, th, fresh_days):
    con = new_allocated()
    for team, service, account, values in parts:
        add(con, team, values, service=service, account=account)
    fresh = {"AWS": START + timedelta(days=fresh_days)}
    for found in (detect(con, access.CLI, th=th), detect(con, access.CLI, th=th, fresh=fresh)):
        for a in found:
            assert a.severity in NAMES and a.start <= a.end and a.impact == a.actual - a.expected
            assert isinstance(a.explanation, str) and a.key


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["web", "search"]), st.floats(-300, 4000, allow_nan=False)),
                min_size=1, max_size=90))
def test_cli_never_raises(tmp_path_factory, days):
    tmp = tmp_path_factory.mktemp("bill")
    store = open_store(tmp / "data")
    assert versions.save_org(store, ORG, access.CLI, "org")[1] == []
    assert versions.save_rules(store, RULES, access.CLI, "rules")[1] == []
    rows = [charge(team, "Amazon EC2", f"{cost:.2f}", day=(START + timedelta(days=i)).isoformat())
            for i, (team, cost) in enumerate(days)]
    load_bill(store, tmp, rows)
    out = io.StringIO()
    import contextlib
    with contextlib.redirect_stdout(out):
        assert main.main(["--data-dir", str(store.data_dir), "anomalies"]) == 0
    assert list(csv.DictReader(io.StringIO(out.getvalue()))) is not None
