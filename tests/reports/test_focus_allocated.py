"""`export focus --allocated` on the hand-built bill: one row per team share, adding up to the charge exactly."""

import json
from collections import defaultdict
from decimal import Decimal

import duckdb
from hypothesis import HealthCheck, given, settings

from lib.cli.main import main
from lib.config import versions
from lib.core import access
from lib.core.money import round_lines
from lib.reports import focus_export
from lib.reports.focus_allocated import CHARGE_ID
from lib.store import tags
from lib.store.lake import engine, new_duck
from lib.store.state import active_files
from tests.allocation.test_allocation import random_company, rows_strategy, rule_strategy, team_totals
from tests.bill import charge
from tests.conftest import load_bill

D = Decimal
SUMMABLE = focus_export.SUMMABLE
BILL = [
    charge("web", "Amazon EC2", "100.00", ConsumedQuantity="10", PricingQuantity="10"),
    charge("Frontend", "Amazon EC2", "50.00"),
    charge("nobody", "Amazon EC2", "7.00"),
    charge(None, "Amazon EMR", "30.00", SubAccountId="111111111111"),
    charge(None, "Amazon VPC", "10.00", category="Networking", ConsumedQuantity="3", PricingQuantity="3"),
    charge(None, "AWS Support (Business)", "18.00", category="Management and Governance"),
    charge(None, "Amazon EKS", "1.00", ResourceId="arn:aws:eks:us-east-1:1:cluster/shared-a"),
    charge(None, "Amazon S3", "5.00", category="Storage"),
]


def export_rows(store, tmp_path, fmt="parquet", version="1.3", month="2026-10"):
    out = str(tmp_path / f"allocated.{fmt}")
    result, problems = focus_export.export(store, engine(store, new_duck()), access.CLI, out, month, version, fmt,
                                           allocated=True)
    assert problems == [], problems
    con = duckdb.connect()
    src = f"read_parquet('{out}')" if fmt == "parquet" else f"read_csv('{out}', all_varchar = true)"
    rel = con.execute(f"select * from {src}")
    names = [d[0] for d in rel.description]
    return result, [dict(zip(names, row)) for row in rel.fetchall()]


def dec(value) -> Decimal:
    return D(str(value)) if value not in (None, "") else D(0)


def by_origin(rows):
    out = defaultdict(list)
    for r in rows:
        out[r["x_CostbookChargeId"]].append(r)
    return out


def test_each_split_row_set_adds_up_to_its_charge_and_ratios_to_one(configured, tmp_path):
    load_bill(configured, tmp_path, BILL)
    result, rows = export_rows(configured, tmp_path)
    origins = by_origin(rows)
    assert result.rows == len(rows) and len(origins) == len(BILL)
    lake = {r["x_CostbookChargeId"]: r for r in export_rows_plain(configured, tmp_path)}
    for charge_id, parts in origins.items():
        for column in SUMMABLE:
            if lake[charge_id][column] is not None:
                assert sum(dec(p[column]) for p in parts) == dec(lake[charge_id][column]), (charge_id, column)
        assert sum(dec(p["x_CostbookShare"]) for p in parts) == 1
        allocated = [p for p in parts if p["AllocatedMethodDetails"]]
        if allocated:
            ratios = [json.loads(p["AllocatedMethodDetails"])["Elements"][0]["AllocatedRatio"] for p in allocated]
            assert sum(D(str(r)) for r in ratios) == 1
    shares = sorted((r["x_CostbookTeam"], r["EffectiveCost"]) for r in rows if r["ServiceName"] == "Amazon VPC")
    assert shares == [("search", D("4.000000000000")), ("web", D("6.000000000000"))]


def export_rows_plain(store, tmp_path):
    """The lake's charges, named the way the export names them (lake file and row)."""
    source = tags.source(store, active_files(store), (), row_ids=True)
    rel = new_duck().execute(f"select *, {CHARGE_ID} as x_CostbookChargeId from {source}")
    names = [d[0] for d in rel.description]
    return [dict(zip(names, row)) for row in rel.fetchall()]


def test_team_totals_equal_totals_by_team_on_every_basis(configured, tmp_path):
    load_bill(configured, tmp_path, BILL)
    _, rows = export_rows(configured, tmp_path, "csv")
    for metric, column in (("effective", "EffectiveCost"), ("billed", "BilledCost"), ("list", "ListCost")):
        sums = defaultdict(Decimal)
        for r in rows:
            sums[r["x_CostbookTeam"]] += dec(r[column])
        teams = sorted(sums)
        assert dict(zip(teams, round_lines([sums[t] for t in teams]))) == team_totals(configured, metric=metric)


def test_allocation_columns_name_the_rule_version_ratio_and_team(configured, tmp_path):
    load_bill(configured, tmp_path, BILL)
    _, rows = export_rows(configured, tmp_path)
    vpc = sorted((r for r in rows if r["ServiceName"] == "Amazon VPC"), key=lambda r: r["x_CostbookTeam"])
    assert [r["AllocatedMethodId"] for r in vpc] == ["costbook/rules-v1/Shared networking"] * 2
    assert [json.loads(r["AllocatedMethodDetails"]) for r in vpc] == [
        {"Elements": [{"AllocatedRatio": 0.4}], "x_Rule": "Shared networking", "x_RulesVersion": 1},
        {"Elements": [{"AllocatedRatio": 0.6}], "x_Rule": "Shared networking", "x_RulesVersion": 1}]
    assert [json.loads(r["AllocatedTags"]) for r in vpc] == [
        {"costbook/team": "search", "costbook/department": "engineering"},
        {"costbook/team": "web", "costbook/department": "engineering"}]
    assert [(r["AllocatedResourceId"], r["AllocatedResourceName"], r["x_CostbookCostCenter"]) for r in vpc] == [
        ("search", "Search", "CC-102"), ("web", "Web", "CC-101")]
    nobody = next(r for r in rows if json.loads(r["Tags"] or "{}").get("team") == "nobody")
    assert (nobody["x_CostbookTeam"], nobody["AllocatedMethodId"], nobody["AllocatedTags"]) == ("Unallocated", None, None)
    assert nobody["x_CostbookUnallocatedReason"] == "unknown team in tag team: nobody"
    assert nobody["x_CostbookRule"] == "Team tag"


def test_version_1_2_keeps_the_allocation_in_x_columns_only(configured, tmp_path):
    load_bill(configured, tmp_path, BILL)
    _, rows = export_rows(configured, tmp_path, version="1.2")
    assert not any(k.startswith("Allocated") for k in rows[0])
    assert {r["x_CostbookTeam"] for r in rows} == {"web", "search", "data-platform", "Unallocated"}


def test_a_closed_month_is_exported_as_it_was_closed(configured, tmp_path, capsys):
    load_bill(configured, tmp_path, BILL)
    assert main(["--data-dir", str(configured.data_dir), "close", "--month", "2026-10", "--no-send"]) == 0
    everything_to_search = "rules:\n  - {name: All, match: {provider_name: '*'}, to: search}\n"
    assert versions.save_rules(configured, everything_to_search, access.CLI, "move")[1] == []
    _, rows = export_rows(configured, tmp_path)
    assert {r["x_CostbookRulesVersion"] for r in rows} == {1}
    assert "Shared networking" in {r["x_CostbookRule"] for r in rows}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_strategy, rule_list=rule_strategy)
def test_for_any_bill_and_rules_the_rows_of_a_charge_add_up_to_it(tmp_path_factory, rows, rule_list):
    made = random_company(tmp_path_factory, rows, rule_list)
    if made is None:
        return  # a rule set the editor refuses (a shadowed rule)
    store, bill = made
    folder = tmp_path_factory.mktemp("out")
    _, exported = export_rows(store, folder)
    parts = by_origin(exported)
    assert len(parts) == len(bill)
    bill_by_key = sorted((dec(c["EffectiveCost"]), dec(c["BilledCost"])) for c in bill)
    assert sorted((sum(dec(p["EffectiveCost"]) for p in ps), sum(dec(p["BilledCost"]) for p in ps))
                  for ps in parts.values()) == bill_by_key
    assert all(sum(dec(p["x_CostbookShare"]) for p in ps) == 1 for ps in parts.values())
    exact = defaultdict(Decimal)
    for r in exported:
        exact[(r["x_CostbookTeam"], r["BillingCurrency"])] += dec(r["EffectiveCost"])
    con = engine(store, new_duck())
    from lib.allocation import cache
    cache.allocated_view(store, con)
    engine_sums = {(t, c): dec(v) for t, c, v in con.execute(
        "select team, BillingCurrency, sum(effective) from allocated group by all").fetchall()}
    assert set(engine_sums) == set(exact)
    assert all(abs(exact[k] - engine_sums[k]) <= D("1e-9") for k in exact)


def test_usage_splits_are_exported_per_day_and_add_up_to_the_allocation(store, tmp_path):
    """A shared cluster split by each day's usage (and the month's on a day without): every charge's rows add
    up to it, and each team's rows to exactly what the allocation gives it."""
    from lib.allocation import cache
    from tests.allocation.test_usage_allocation import CLUSTER, setup

    bill = [charge(None, "Amazon EC2", "100", day=d, tags=CLUSTER) for d in ("2026-11-03", "2026-11-04", "2026-11-05")]
    setup(store, tmp_path, bill=bill)
    _, rows = export_rows(store, tmp_path, month="2026-11")
    for charge_id, parts in by_origin(rows).items():
        assert sum(dec(p["EffectiveCost"]) for p in parts) == D("100"), charge_id
        assert sum(dec(p["x_CostbookShare"]) for p in parts) == 1
    con = engine(store, new_duck())
    cache.allocated_view(store, con)
    allocated = dict(con.execute("select team, sum(effective) from allocated where x_BillingPeriod = '2026-11' "
                                 "group by 1").fetchall())
    exported = defaultdict(Decimal)
    for r in rows:
        exported[r["x_CostbookTeam"]] += dec(r["EffectiveCost"])
    assert dict(exported) == allocated
    day3 = sorted((r["x_CostbookTeam"], dec(r["EffectiveCost"])) for r in rows
                  if str(r["ChargePeriodStart"]).startswith("2026-11-03"))
    assert ("payments", D("60")) in day3  # checkout's 3 of 5 that day, not the month's share
