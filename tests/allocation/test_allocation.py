"""Allocation: hand-computed scenarios, conservation for any rules, stability, scoping."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.allocation import cache
from lib.allocation.engine import NO_RULE, UNKNOWN_TAG, ZERO_BASE
from lib.config import org, rules, versions
from lib.core import access
from lib.reports import spend
from lib.sources.files import import_files
from lib.store.lake import engine, new_duck
from tests import opencost as oc
from tests.bill import charge
from tests.conftest import ORG, load_bill

D = Decimal


def team_totals(store, period="2026-10", metric="effective", user=access.CLI):
    con = engine(store, new_duck())
    cache.allocated_view(store, con)
    return {k: a for k, _, a in spend.totals(con, user, period, "team", metric)}


def test_design_rules_on_a_small_bill(configured, tmp_path):
    load_bill(configured, tmp_path, [
        charge("web", "Amazon EC2", "100.00"),
        charge("Frontend", "Amazon EC2", "50.00"),  # alias, other casing
        charge("nobody", "Amazon EC2", "7.00"),  # unknown team tag
        charge(None, "Amazon EMR", "30.00", SubAccountId="111111111111"),
        charge(None, "Amazon VPC", "10.00", category="Networking"),
        charge(None, "AWS Support (Business)", "18.00", category="Management and Governance"),
        charge(None, "Amazon EKS", "1.00", ResourceId="arn:aws:eks:us-east-1:1:cluster/shared-a"),
        charge(None, "Amazon S3", "5.00", category="Storage"),
    ])
    assert team_totals(configured) == {
        # web: 150 direct + 6 networking + 18 x 150/180 support + 0.50 cluster
        "web": D("171.50"),
        "search": D("4.50"),  # 4 networking + 0.50 cluster; no direct cost, so no support share
        "data-platform": D("33.00"),  # 30 direct + 18 x 30/180
        "Unallocated": D("12.00"),  # 7 unknown tag + 5 no rule
    }


def test_unallocated_reasons_name_what_to_fix(configured, tmp_path):
    load_bill(configured, tmp_path, [
        charge("nobody", "Amazon EC2", "7.00"),
        charge(None, "Amazon S3", "5.00"),
        charge(None, "AWS Support (Business)", "2.00"),  # proportional, but no team has direct cost
    ])
    con = engine(configured, new_duck())
    cache.allocated_view(configured, con)
    reasons = {(r, rule): a for r, rule, a in spend.unallocated_by_reason(con, access.CLI, "2026-10", "effective", "USD")}
    assert reasons == {(UNKNOWN_TAG, "Team tag"): D("7"), (NO_RULE, ""): D("5"), (ZERO_BASE, "Support"): D("2")}


def test_shares_apply_to_every_cost_column(configured, tmp_path):
    load_bill(configured, tmp_path, [
        charge("web", "Amazon EC2", "90.00", billed="100.00", effective="90.00"),
        charge("search", "Amazon EC2", "30.00", billed="20.00", effective="30.00"),
        charge(None, "Amazon VPC", "10.00", billed="0", effective="10.00", category="Networking"),
    ])
    assert team_totals(configured, metric="effective") == {"web": D("96.00"), "search": D("34.00")}
    assert team_totals(configured, metric="billed") == {"web": D("100.00"), "search": D("20.00")}


def test_scoped_view_keeps_the_shared_cost_share(configured, tmp_path):
    load_bill(configured, tmp_path, [
        charge("web", "Amazon EC2", "100.00"),
        charge(None, "Amazon EMR", "50.00", SubAccountId="111111111111"),
        charge(None, "AWS Support (Business)", "30.00"),
    ])
    everyone = team_totals(configured)
    dora = access.User("dora", "department_head", frozenset({"data"}))
    assert team_totals(configured, user=dora) == {"data-platform": everyone["data-platform"]} == {
        "data-platform": D("60.00")}


def test_rule_version_effective_from_applies_by_period(configured, tmp_path):
    load_bill(configured, tmp_path, [charge("web", "Amazon EC2", "10.00", day="2026-09-03"),
                                     charge("web", "Amazon EC2", "20.00", day="2026-10-03")])
    everything_to_search = "rules:\n  - {name: All, match: {provider_name: '*'}, to: search}\n"
    assert versions.save_rules(configured, everything_to_search, access.CLI, "move", "2026-10")[1] == []
    assert team_totals(configured, "2026-09") == {"web": D("10.00")}
    assert team_totals(configured, "2026-10") == {"search": D("20.00")}


def test_same_data_and_rules_give_identical_results(configured, tmp_path):
    load_bill(configured, tmp_path, [charge(None, "AWS Support (Business)", "1.00"),
                                     charge("web", "Amazon EC2", "1.00"), charge("search", "Amazon EC2", "2.00")])
    con = engine(configured, new_duck())
    path, problems = cache.ensure_period(configured, con, "2026-10")
    assert problems == []
    first = con.execute("select * from read_parquet(?, hive_partitioning = false) order by all", [path]).fetchall()
    other = tmp_path / "again.parquet"
    inp = cache.inputs(configured, "2026-10")
    org_, _ = org.parse_org(inp.org_yaml)
    rules_, _ = rules.parse_rules(inp.rules_yaml, org_)
    from lib.allocation import engine as allocation_engine
    allocation_engine.allocate(con, cache.lake_for(configured, inp, rules_), "2026-10", rules_, org_, inp.rules_version,
                            str(other))
    assert con.execute("select * from read_parquet(?) order by all", [str(other)]).fetchall() == first


TEAMS = ["web", "search", "data-platform"]
DAYS = ["2026-10-03", "2026-10-04", "2026-10-05"]
amounts = st.decimals(min_value=D("-50"), max_value=D("5000"), places=6, allow_nan=False, allow_infinity=False)
rows_strategy = st.lists(st.tuples(st.sampled_from(TEAMS + ["nobody", None]),
                                   st.sampled_from(["Amazon EC2", "Amazon VPC", "AWS Support", "Amazon S3"]),
                                   st.sampled_from(["acct-1", "111111111111"]), amounts, amounts,
                                   st.sampled_from(["USD", "EUR"]), st.sampled_from(DAYS)), min_size=1, max_size=25)
rule_strategy = st.lists(st.one_of(
    st.builds(lambda s: {"match": {"service_name": s}, "to": "web"}, st.sampled_from(["Amazon*", "AWS Support"])),
    st.builds(lambda s: {"match": {"tags.team": s}, "to": "tag:team"}, st.sampled_from(["*", "web"])),
    st.builds(lambda a, p: {"match": {"sub_account_id": a}, "split": {"web": p, "search": 100 - p}},
              st.sampled_from(["acct-1", "111111111111"]), st.integers(1, 99)),
    st.builds(lambda s, among: {"match": {"service_name": s}, "split": "proportional", **among},
              st.sampled_from(["AWS Support", "Amazon VPC"]), st.sampled_from([{}, {"among": ["web", "search"]}])),
    st.builds(lambda s: {"match": {"service_name": s}, "split": "even", "among": TEAMS}, st.sampled_from(["Amazon S3"])),
    st.builds(lambda s, w, idle, label: {"match": {"service_name": s}, "idle": idle, "split": {
        "usage": "kubernetes", "cluster": "c1", "weight": w, **label}},
              st.sampled_from(["Amazon EC2", "Amazon VPC", "Amazon S3"]), st.sampled_from(["cost", "cpu", "memory"]),
              st.sampled_from(["share", "unallocated", "data-platform"]), st.sampled_from([{}, {"team": "label:team"}])),
    st.builds(lambda a: {"match": {"sub_account_id": a}, "split": {"usage": "queries"}},
              st.sampled_from(["acct-1", "111111111111"])),
), max_size=6)
weights = st.decimals(min_value=D("-5"), max_value=D("500"), places=3, allow_nan=False, allow_infinity=False)
usage_strategy = st.lists(st.tuples(st.sampled_from(DAYS[:2]), st.sampled_from(["c1", "c2"]),
                                    st.sampled_from(["web-ns", "search-ns", "stray", "__idle__"]),
                                    st.sampled_from([None, "search", "nobody"]), weights, weights, weights), max_size=12)
queries_strategy = st.lists(st.tuples(st.sampled_from(DAYS[:2]), st.sampled_from(TEAMS + ["nobody"]), weights),
                            max_size=6)
USAGE_ORG = ORG.replace("owners: [wes]}", "owners: [wes], namespaces: [web-ns]}").replace(
    "owners: [sam]}", "owners: [sam], namespaces: [c1/search-ns]}")


def load_usage(store, folder, usage, queries) -> None:
    """Random usage through the real import: OpenCost responses per cluster, a usage CSV of queries."""
    paths = []
    for cluster in sorted({c for _, c, *_ in usage}):
        steps = [[oc.allocation(ns, day, cluster, cpu_cost=float(c), ram_cost=float(r), cpu_hours=float(h),
                                ram_gib_hours=float(h), namespace_labels={"team": label} if label else None)
                  for d, cl, ns, label, c, r, h in usage if cl == cluster and d == day] for day in DAYS[:2]]
        paths.append(oc.write(folder / f"{cluster}.json", *[s for s in steps if s]))
    if queries:
        (folder / "queries.csv").write_text("date,metric,key,quantity,unit\n" + "".join(
            f"{d},queries,{k},{q},count\n" for d, k, q in queries))
        paths.append(str(folder / "queries.csv"))
    for path in paths:
        assert import_files(store, new_duck(), [path]).ok


def random_company(tmp_path_factory, rows, rule_list, usage=(), queries=()):
    """(store, bill) with the org, the generated rules, bill and usage loaded; None when the rules are refused."""
    import yaml

    from lib.store.state import open_store
    store = open_store(tmp_path_factory.mktemp("prop") / "data")
    versions.save_org(store, USAGE_ORG, access.CLI, "setup")
    named = [dict(r, name=f"r{i}") for i, r in enumerate(rule_list)]
    version, errors = versions.save_rules(store, yaml.safe_dump({"rules": named}), access.CLI, "setup")
    if errors:  # e.g. a generated rule shadowed by an earlier one: rejected whole, as it should be
        assert version is None and all("never match" in e for e in errors)
        return None
    bill = [charge(t, s, e, billed=b, SubAccountId=a, BillingCurrency=c, BillingAccountId=f"payer-{c}", day=d)
            for t, s, a, e, b, c, d in rows]
    folder = tmp_path_factory.mktemp("bill")
    load_bill(store, folder, bill)
    load_usage(store, folder, usage, queries)
    return store, bill


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_strategy, rule_list=rule_strategy, usage=usage_strategy, queries=queries_strategy)
def test_allocated_plus_unallocated_is_the_bill(tmp_path_factory, rows, rule_list, usage, queries):
    """For any bill, usage and rules: per currency and cost column, the allocation adds up to the bill exactly."""
    made = random_company(tmp_path_factory, rows, rule_list, usage, queries)
    if made is None:
        return
    store, _ = made
    con = engine(store, new_duck())
    cache.allocated_view(store, con)
    got = con.execute("select BillingCurrency, sum(billed), sum(effective), sum(list) from allocated "
                      "group by 1 order by 1").fetchall()
    want = con.execute("select BillingCurrency, sum(BilledCost), sum(EffectiveCost), sum(ListCost) from charges "
                       "group by 1 order by 1").fetchall()
    assert got == want
