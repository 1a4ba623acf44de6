"""Usage splits: a hand-built cluster bill split by an OpenCost response, worked out by hand.

The cluster shared-prod on 2026-11-03 (OpenCost cost per namespace):
    checkout 3 (payments), cart 1 (basket), legacy 1 (no team in this cluster), __idle__ 5
and on 2026-11-04: checkout 1, cart 3. The cluster other-cluster runs legacy (basket's there) and cart.
"""

from datetime import date
from decimal import Decimal

import pytest

from lib.allocation import cache, impact, resources
from lib.allocation.weights import NO_USAGE
from lib.config import versions
from lib.core import access
from lib.core.money import round_total
from lib.month_end import close
from lib.reports import spend
from lib.sources.files import import_files
from lib.store.lake import engine, new_duck
from tests import opencost as oc
from tests.bill import charge
from tests.conftest import load_bill

D = Decimal
ORG = """
departments: [{id: eng, name: Engineering}]
teams:
  - {id: payments, name: Payments, department: eng, namespaces: [checkout]}
  - {id: basket, name: Basket, department: eng, namespaces: [shared-prod/cart, other-cluster/legacy]}
  - {id: platform, name: Platform, department: eng}
  - {id: analytics, name: Analytics, department: eng, aliases: [bi]}
"""
RULES = """
rules:
  - name: Shared cluster
    match: {{tags.eks:cluster-name: shared-prod}}
    split: {{usage: kubernetes, cluster: shared-prod, weight: {weight}{team}}}
    idle: {idle}
  - name: Other cluster
    match: {{tags.eks:cluster-name: other-cluster}}
    split: {{usage: kubernetes, cluster: other-cluster}}
  - name: Data platform by queries
    match: {{sub_account_id: data-platform}}
    split: {{usage: queries}}
"""
CLUSTER = {"eks:cluster-name": "shared-prod"}


def setup(store, tmp_path, idle="share", weight="cost", team="", day3=None, bill=None):
    assert versions.save_org(store, ORG, access.CLI, "org")[1] == []
    text = RULES.format(idle=idle, weight=weight, team=team)
    assert versions.save_rules(store, text, access.CLI, "rules")[1] == []
    load_bill(store, tmp_path, bill or [charge(None, "Amazon EC2", "120", billed="100", effective="90",
                                               day="2026-11-03", tags=CLUSTER)])
    day3 = day3 or [oc.allocation("checkout", "2026-11-03", cpu_cost=3), oc.allocation("cart", "2026-11-03", cpu_cost=1),
                    oc.allocation("legacy", "2026-11-03", cpu_cost=1), oc.allocation("__idle__", "2026-11-03", cpu_cost=5)]
    day4 = [oc.allocation("checkout", "2026-11-04", cpu_cost=1), oc.allocation("cart", "2026-11-04", cpu_cost=3)]
    other = [oc.allocation("legacy", "2026-11-03", "other-cluster", cpu_cost=100),
             oc.allocation("cart", "2026-11-03", "other-cluster", cpu_cost=50)]
    files = [oc.write(tmp_path / "shared.json", day3, day4), oc.write(tmp_path / "other.json", other)]
    result = import_files(store, new_duck(), files)
    assert result.ok, result.problems


def totals(store, metric="billed", period="2026-11"):
    con = engine(store, new_duck())
    cache.allocated_view(store, con)
    return {k: a for k, _, a in spend.totals(con, access.CLI, period, "team", metric)}


def reasons(store, period="2026-11"):
    con = engine(store, new_duck())
    cache.allocated_view(store, con)
    return {(r, rule): round_total(a) for r, rule, a in
            spend.unallocated_by_reason(con, access.CLI, period, "billed", "USD")}


LEGACY = "namespace legacy (cluster shared-prod) has no team"


@pytest.mark.parametrize("idle, billed, effective", [
    ("share", {"payments": D("60.00"), "basket": D("20.00"), "Unallocated": D("20.00")},
     {"payments": D("54.00"), "basket": D("18.00"), "Unallocated": D("18.00")}),
    ("unallocated", {"payments": D("30.00"), "basket": D("10.00"), "Unallocated": D("60.00")},
     {"payments": D("27.00"), "basket": D("9.00"), "Unallocated": D("54.00")}),
    ("platform", {"payments": D("30.00"), "basket": D("10.00"), "platform": D("50.00"), "Unallocated": D("10.00")},
     {"payments": D("27.00"), "basket": D("9.00"), "platform": D("45.00"), "Unallocated": D("9.00")}),
])
def test_the_cluster_bill_is_split_by_namespace_cost_for_each_idle_setting(store, tmp_path, idle, billed, effective):
    setup(store, tmp_path, idle=idle)
    assert totals(store, "billed") == billed
    assert totals(store, "effective") == effective
    assert totals(store, "list") == {t: a * D("1.2") for t, a in billed.items()}
    expected = {(LEGACY, "Shared cluster"): D(10) * (2 if idle == "share" else 1)}
    if idle == "unallocated":
        expected[("idle of cluster shared-prod", "Shared cluster")] = D(50)
    assert reasons(store) == expected


def test_a_day_without_usage_takes_the_month_and_a_month_without_usage_is_unallocated(store, tmp_path):
    setup(store, tmp_path, bill=[
        charge(None, "Amazon EC2", "90", day="2026-11-04", tags=CLUSTER),  # its own day: checkout 1, cart 3
        charge(None, "Amazon EC2", "90", day="2026-11-05", tags=CLUSTER),  # no usage: the month's 4 : 4 : 1
        charge(None, "Amazon EC2", "10", day="2026-10-20", tags=CLUSTER),  # no usage in October at all
    ])
    assert totals(store) == {"payments": D("22.50") + D("40.00"), "basket": D("67.50") + D("40.00"),
                             "Unallocated": D("10.00")}
    assert totals(store, period="2026-10") == {"Unallocated": D("10.00")}
    assert reasons(store, "2026-10") == {(NO_USAGE, "Shared cluster"): D(10)}


def test_usage_of_another_cluster_counts_only_for_that_cluster(store, tmp_path):
    setup(store, tmp_path, bill=[charge(None, "Amazon EC2", "150", day="2026-11-03",
                                        tags={"eks:cluster-name": "other-cluster"})])
    # other-cluster: legacy 100 is basket's there (other-cluster/legacy), cart 50 is nobody's there
    assert totals(store) == {"basket": D("100.00"), "Unallocated": D("50.00")}
    assert reasons(store) == {("namespace cart (cluster other-cluster) has no team", "Other cluster"): D(50)}


def test_a_usage_csv_splits_by_each_keys_quantity(store, tmp_path):
    setup(store, tmp_path, bill=[charge(None, "BigQuery", "50", day="2026-11-03", SubAccountId="data-platform")])
    csv = tmp_path / "queries.csv"
    csv.write_text("date,metric,key,quantity,unit\n2026-11-03,queries,analytics,30,count\n"
                   "2026-11-03,queries,BI,10,count\n2026-11-03,queries,unknown-team,10,count\n")
    assert import_files(store, new_duck(), [str(csv)]).ok
    assert totals(store) == {"analytics": D("40.00"), "Unallocated": D("10.00")}
    assert reasons(store) == {("usage key unknown-team (queries) names no team", "Data platform by queries"): D(10)}


def test_cpu_weights_price_idle_at_the_clusters_cost_per_core_hour(store, tmp_path):
    day3 = [oc.allocation("checkout", "2026-11-03", cpu_cost=3, cpu_hours=30, ram_cost=9, ram_gib_hours=10),
            oc.allocation("cart", "2026-11-03", cpu_cost=1, cpu_hours=10, ram_cost=1, ram_gib_hours=10),
            oc.allocation("__idle__", "2026-11-03", cpu_cost=5, ram_cost=10)]
    setup(store, tmp_path, idle="unallocated", weight="cpu", day3=day3,
          bill=[charge(None, "Amazon EC2", "90", day="2026-11-03", tags=CLUSTER)])
    # idle: 5 / (4 per 40 core-hours) = 50 core-hours; 30 : 10 : 50
    assert totals(store) == {"payments": D("30.00"), "basket": D("10.00"), "Unallocated": D("50.00")}


def test_memory_weights_and_negative_idle(store, tmp_path):
    day3 = [oc.allocation("checkout", "2026-11-03", ram_cost=9, ram_gib_hours=30),
            oc.allocation("cart", "2026-11-03", ram_cost=1, ram_gib_hours=10),
            oc.allocation("__idle__", "2026-11-03", ram_cost=-4)]  # over-committed: OpenCost's idle goes below zero
    setup(store, tmp_path, idle="unallocated", weight="memory", day3=day3,
          bill=[charge(None, "Amazon EC2", "80", day="2026-11-03", tags=CLUSTER)])
    assert totals(store) == {"payments": D("60.00"), "basket": D("20.00")}


def test_a_namespace_label_names_the_team_and_org_yaml_decides_without_it(store, tmp_path):
    day3 = [oc.allocation("recs", "2026-11-03", cpu_cost=1, namespace_labels={"team": "Basket"}),
            oc.allocation("checkout", "2026-11-03", cpu_cost=2, namespace_labels={"team": "nobody"}),
            oc.allocation("mystery", "2026-11-03", cpu_cost=1, namespace_labels={"Team": "nobody"})]
    setup(store, tmp_path, team=", team: label:team", day3=day3,
          bill=[charge(None, "Amazon EC2", "40", day="2026-11-03", tags=CLUSTER)])
    assert totals(store) == {"basket": D("10.00"), "payments": D("20.00"), "Unallocated": D("10.00")}
    assert reasons(store) == {("namespace mystery (cluster shared-prod): unknown team in label team: nobody",
                               "Shared cluster"): D(10)}


def test_the_resource_grain_and_a_draft_preview_split_the_same_way(store, tmp_path):
    setup(store, tmp_path, bill=[charge(None, "Amazon EC2", "90", day=d, tags=CLUSTER, ResourceId=f"i-{d}")
                                 for d in ("2026-11-03", "2026-11-04")])
    con = engine(store, new_duck())
    cache.allocated_view(store, con)
    by_day = dict(con.execute("select team, sum(billed) from allocated group by 1").fetchall())
    month = resources.resources_file(store, con, "2026-11")
    assert dict(con.execute(f"select team, sum(billed) from {month} group by 1").fetchall()) == by_day
    assert con.execute(f"select distinct ChargeDate from {month}").fetchall() == [(date(2026, 11, 1),)]
    draft = versions.versions(store)[0].yaml.replace("idle: share", "idle: unallocated")
    preview = impact.impact(store, con, access.CLI, "2026-11", draft, "billed")
    assert not preview.errors
    before = {t: b for t, _, b, _, _ in preview.rows}
    after = {t: a for t, _, _, a, _ in preview.rows}
    assert (before["payments"], after["payments"]) == (D(54) + D("22.5"), D(27) + D("22.5"))  # day 3: 3/5, then 3/10


def test_a_closed_month_keeps_the_usage_it_was_closed_with(store, tmp_path):
    setup(store, tmp_path)
    before = totals(store)
    con = engine(store, new_duck())
    cache.allocated_view(store, con)
    record, problems = close.close_month(store, con, access.CLI, "2026-11", override_reason="test bill has no invoice")
    assert record is not None, problems
    later = [oc.allocation("cart", "2026-11-03", cpu_cost=100)]
    assert import_files(store, new_duck(), [oc.write(tmp_path / "restated.json", later)]).ok
    assert totals(store) == before
    assert close.reopen_month(store, access.CLI, "2026-11", "usage restated") == []
    assert totals(store) == {"basket": D("100.00")}
