"""The Spark engine gives the DuckDB engine's allocation exactly, and writes it where the app reads it."""

from decimal import Decimal

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.allocation import cache
from lib.allocation import spark as allocation_spark
from lib.config import org, rules, versions
from lib.core import access
from lib.sources.files import import_files
from lib.store.lake import engine, new_duck
from lib.store.state import open_store
from tests import opencost as oc
from tests.allocation.test_usage_allocation import CLUSTER, setup
from tests.bill import charge
from tests.conftest import ORG, load_bill

pytestmark = pytest.mark.spark
D = Decimal
RESULT = "read_parquet(?, hive_partitioning = false)"


@pytest.fixture(scope="module")
def spark():
    session = allocation_spark.session("local[2]")
    yield session
    session.stop()


def both_engines(store, spark, period="2026-10", tmp=None):
    """Every result row of the period from DuckDB and from Spark (same inputs, separate files)."""
    con = engine(store, new_duck())
    duck, problems = cache.ensure_period(store, con, period)
    assert problems == []
    inp = cache.inputs(store, period)
    org_, _ = org.parse_org(inp.org_yaml)
    rules_, _ = rules.parse_rules(inp.rules_yaml, org_)
    out = str(tmp / f"spark-{period}.parquet")
    allocation_spark.allocate(spark, list(inp.files), period, rules_, org_, inp.rules_version, out, inp.basis,
                              usage_files=list(inp.usage_files))
    sql = f"select * from {RESULT} order by all"
    return con.execute(sql, [duck]).fetchall(), con.execute(sql, [out]).fetchall(), con, out


def sums(con, path):
    return con.execute(f"select x_BillingPeriod, team, BillingCurrency, rule, sum(billed), sum(effective), sum(list) "
                       f"from {RESULT} group by all order by all", [path]).fetchall()


def test_design_rules_give_identical_rows(configured, tmp_path, spark):
    load_bill(configured, tmp_path, [
        charge("web", "Amazon EC2", "100.00"),
        charge("Frontend", "Amazon EC2", "50.00"),  # alias, other casing
        charge(None, "Amazon EC2", "3.00", tags={"TEAM": "search"}),  # tag key in other casing
        charge("nobody", "Amazon EC2", "7.00"),  # unknown team tag
        charge(None, "Amazon EMR", "30.00", SubAccountId="111111111111"),
        charge(None, "Amazon VPC", "10.00", category="Networking", BillingCurrency="EUR",
               BillingAccountId="payer-eur"),
        charge(None, "AWS Support (Business)", "18.000001", category="Management and Governance"),
        charge(None, "Amazon EKS", "1.00", ResourceId="arn:aws:eks:us-east-1:1:cluster/shared-a"),
        charge(None, "Amazon EKS", "2.00", ResourceId="arn:aws:eks:us-east-1:1:cluster/private-a"),
        charge(None, "Amazon S3", "5.00", category="Storage"),
    ])
    duck, spark_rows, con, out = both_engines(configured, spark, tmp=tmp_path)
    assert spark_rows == duck
    by_team = {(t, c): e for _, t, c, _, _, e, _ in sums(con, out) if c == "USD" and t in ("web", "search")}
    assert sum(by_team.values()) > D("150")  # a real allocation, not two empty results
    described = "describe select * from " + RESULT
    assert con.execute(described, [out]).fetchall() == con.execute(described, [cache.ensure_period(
        configured, con, "2026-10")[0]]).fetchall()


def test_usage_splits_give_identical_rows(store, tmp_path, spark):
    """Namespace labels, idle to Unallocated, a day without usage, another cluster, a usage CSV and a month
    with no usage at all: the same rows from both engines."""
    bill = [charge(None, "Amazon EC2", "100.000001", day=d, tags=CLUSTER) for d in ("2026-11-03", "2026-11-05")]
    bill += [charge(None, "Amazon EC2", "7", day="2026-10-02", tags=CLUSTER),
             charge(None, "Amazon EC2", "33", day="2026-11-03", tags={"eks:cluster-name": "other-cluster"}),
             charge(None, "BigQuery", "50", day="2026-11-03", SubAccountId="data-platform", BillingCurrency="EUR",
                    BillingAccountId="payer-eur")]
    day3 = [oc.allocation("checkout", "2026-11-03", cpu_cost=3, cpu_hours=30),
            oc.allocation("recs", "2026-11-03", cpu_cost=1, cpu_hours=7, namespace_labels={"team": "Basket"}),
            oc.allocation("legacy", "2026-11-03", cpu_cost=1, cpu_hours=9, namespace_labels={"team": "nobody"}),
            oc.allocation("__idle__", "2026-11-03", cpu_cost=5)]
    setup(store, tmp_path, idle="unallocated", weight="cpu", team=", team: label:team", day3=day3, bill=bill)
    queries = tmp_path / "queries.csv"
    queries.write_text("date,metric,key,quantity,unit\n2026-11-03,queries,analytics,3,n\n2026-11-03,queries,x,1,n\n")
    assert import_files(store, new_duck(), [str(queries)]).ok
    for period in ("2026-10", "2026-11"):
        duck, spark_rows, con, out = both_engines(store, spark, period, tmp_path)
        assert spark_rows == duck
        assert any(r[3] == "basket" for r in duck) or period == "2026-10"


def test_spark_results_land_in_the_cache_the_app_reads(configured, tmp_path, spark):
    load_bill(configured, tmp_path, [charge("web", "Amazon EC2", "10.00", day="2026-09-03"),
                                     charge(None, "AWS Support (Business)", "4.00", day="2026-10-03"),
                                     charge("search", "Amazon EC2", "2.00", day="2026-10-04")])
    assert allocation_spark.allocate_store(configured, spark) == ["2026-09", "2026-10"]
    con = engine(configured, new_duck())
    cache.allocated_view(configured, con)  # finds the Spark files by cache key, computes nothing
    rows = con.execute("select team, sum(effective) from allocated where x_BillingPeriod = '2026-10' "
                       "group by 1 order by 1").fetchall()
    assert rows == [("search", D("6.000000000000"))]
    with cache.state(configured) as db:
        assert db.execute("select count(*) from allocation_cache").fetchone()[0] == 2


def test_spark_refuses_an_encrypted_lake(configured, tmp_path, spark, monkeypatch):
    monkeypatch.setenv("COSTBOOK_DATA_KEY", "x" * 48)  # the real setting that turns on encryption at rest
    with pytest.raises(RuntimeError, match="encrypted"):
        allocation_spark.allocate(spark, [], "2026-10", (), org.parse_org(ORG)[0], 0, str(tmp_path / "x.parquet"))


TEAMS = ["web", "search", "data-platform"]
amounts = st.decimals(min_value=D("-50"), max_value=D("90000"), places=6, allow_nan=False, allow_infinity=False)
rows_strategy = st.lists(st.tuples(st.sampled_from(TEAMS + ["nobody", "Web", None]),
                                   st.sampled_from(["Amazon EC2", "Amazon VPC", "AWS Support", "Amazon S3"]),
                                   st.sampled_from(["acct-1", "111111111111"]), amounts, amounts,
                                   st.sampled_from(["USD", "EUR"])), min_size=1, max_size=20)
rule_strategy = st.lists(st.one_of(
    st.builds(lambda s: {"match": {"service_name": s}, "to": "web"}, st.sampled_from(["Amazon [EV]*", "AWS ?upport"])),
    st.builds(lambda s: {"match": {"tags.team": s}, "to": "tag:team"}, st.sampled_from(["*", "web", "re:^se"])),
    st.builds(lambda a, p: {"match": {"sub_account_id": a}, "split": {"web": p, "search": 100 - p}},
              st.sampled_from(["acct-1", "111111111111"]), st.integers(1, 99)),
    st.builds(lambda s, among: {"match": {"service_name": s}, "split": "proportional", **among},
              st.sampled_from(["AWS Support", "Amazon VPC"]), st.sampled_from([{}, {"among": ["web", "search"]}])),
    st.builds(lambda s: {"match": {"service_name": s}, "split": "even", "among": TEAMS}, st.sampled_from(["Amazon S3"])),
), min_size=1, max_size=5)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_strategy, rule_list=rule_strategy)
def test_any_bill_and_rules_give_identical_sums(tmp_path_factory, spark, rows, rule_list):
    """Per (period, team, currency, rule): billed, effective and list sums are equal to the last digit."""
    store = open_store(tmp_path_factory.mktemp("prop") / "data")
    versions.save_org(store, ORG, access.CLI, "setup")
    named = [dict(r, name=f"r{i}") for i, r in enumerate(rule_list)]
    if versions.save_rules(store, yaml.safe_dump({"rules": named}), access.CLI, "setup")[1]:
        return  # rejected rules (e.g. shadowed): nothing to compare
    load_bill(store, tmp_path_factory.mktemp("bill"), [
        charge(t, s, e, billed=b, SubAccountId=a, BillingCurrency=c, BillingAccountId=f"payer-{c}")
        for t, s, a, e, b, c in rows])
    tmp = tmp_path_factory.mktemp("out")
    con = engine(store, new_duck())
    duck, _ = cache.ensure_period(store, con, "2026-10")
    _, _, _, out = both_engines(store, spark, tmp=tmp)
    assert sums(con, out) == sums(con, duck)
