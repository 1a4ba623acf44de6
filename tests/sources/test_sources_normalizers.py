"""Golden tests: every real billing sample imports through its normalizer and keeps its totals exactly.

Expected totals are computed here from the raw files with csv + Decimal, independently of the SQL.
"""

import ast
import csv
import glob
import json
from decimal import Decimal
from pathlib import Path

import pytest

from lib.sources import focus_file
from lib.sources.files import detect, import_files
from lib.store.lake import engine, new_duck
from tests.paths import SAMPLES

if not SAMPLES.is_dir():
    SAMPLES = Path("/work/shared/data/samples")
AWS = SAMPLES / "aws" / "cur_legacy_savingsplan_nok.csv"
GCP = SAMPLES / "gcp" / "bq_standard_export_flat_credits.csv"
ACTUAL = SAMPLES / "azure" / "ea_actualcost_small.csv"
AMORTIZED = SAMPLES / "azure" / "ea_amortizedcost_small.csv"
FOCUS = SAMPLES / "focus" / "focus_sample_1000_focus1.0.csv"
Q = Decimal("0.000000000001")


def rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def d(text) -> Decimal:
    return Decimal(str(text)).quantize(Q) if text not in (None, "", "NULL") else Decimal(0)


def stored(store, sql: str):
    return engine(store, new_duck()).execute(sql).fetchall()


def totals(store) -> dict:
    return {cur: (b, e) for cur, b, e in stored(
        store, "select BillingCurrency, sum(BilledCost), sum(EffectiveCost) from charges group by 1")}


@pytest.mark.parametrize("path, fmt", [(AWS, "aws-cur"), (GCP, "gcp-billing-export"), (ACTUAL, "azure-export"),
                                       (FOCUS, "focus")])
def test_detects_each_sample_format(path, fmt):
    assert detect(new_duck(), str(path)) == fmt


def test_aws_cur_savings_plan_usage_is_billed_unblended_and_effective_at_the_plan_rate(store):
    raw = rows(AWS)
    result = import_files(store, new_duck(), [str(AWS)])
    assert result.ok, result.problems
    billed = sum(d(r["lineItem/UnblendedCost"]) for r in raw)
    effective = sum(d(r["savingsPlan/SavingsPlanEffectiveCost"]) for r in raw)
    assert totals(store) == {"NOK": (billed, effective)}
    tags, service, category = stored(store, "select Tags, ServiceName, ServiceCategory from charges limit 1")[0]
    assert json.loads(tags) == {"app": "slatt", "environment": "smoke_test_run_sample_long_tag", "version": "zeta"}
    assert (service, category) == ("Amazon Elastic Compute Cloud", "Compute")


def test_aws_cur_athena_naming_reads_the_same_as_csv_naming(store, tmp_path):
    raw = rows(AWS)
    snake = tmp_path / "athena.csv"
    rename = {"lineItem/UnblendedCost": "line_item_unblended_cost", "lineItem/LineItemType": "line_item_line_item_type",
              "bill/PayerAccountId": "bill_payer_account_id", "noTags/user:app": "resource_tags_user_app"}
    with snake.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow([rename.get(c, c) for c in raw[0]])
        out.writerows([list(r.values()) for r in raw])
    assert import_files(store, new_duck(), [str(snake)], "aws-cur").ok
    assert json.loads(stored(store, "select Tags from charges limit 1")[0][0])["app"] == "slatt"
    assert totals(store)["NOK"][0] == sum(d(r["lineItem/UnblendedCost"]) for r in raw)


def test_gcp_export_credits_reduce_cost_and_period_is_los_angeles_month(store):
    raw = rows(GCP)
    result = import_files(store, new_duck(), [str(GCP)])
    assert result.ok, result.problems
    cost = sum(d(r["cost"]) for r in raw)
    credits = sum(d(c["amount"]) for r in raw for c in ast.literal_eval(r["credits"] or "[]"))
    assert credits < 0 and cost > 0
    assert totals(store) == {"USD": (cost + credits, cost + credits)}
    start, end = stored(store, "select distinct BillingPeriodStart, BillingPeriodEnd from charges")[0]
    # Midnight of 1 Nov 2020 in Los Angeles was still daylight time (UTC-7); 1 Dec is standard time (UTC-8).
    assert (str(start), str(end)) == ("2020-11-01 07:00:00", "2020-12-01 08:00:00")
    labelled = stored(store, "select Tags from charges where Tags is not null")
    assert {"goog-resource-type"} <= set(json.loads(labelled[0][0]))


def test_azure_actual_plus_amortized_follows_the_microsoft_recipe(store):
    actual, amortized = rows(ACTUAL), rows(AMORTIZED)
    result = import_files(store, new_duck(), [str(ACTUAL), str(AMORTIZED)])
    assert result.ok, result.problems
    commitment = ("Reservation", "SavingsPlan")
    purchases = [r for r in actual if r["ChargeType"] in ("Purchase", "Refund") and r["PricingModel"] in commitment]
    assert len(purchases) == 1 and result.rows == len(amortized) + 1
    billed = sum(d(r["Cost"]) for r in purchases) + sum(
        d(r["Cost"]) for r in amortized if not (r["ChargeType"] == "Usage" and r["PricingModel"] in commitment))
    effective = sum(d(r["Cost"]) for r in amortized)
    assert totals(store) == {"USD": (billed, effective)}
    purchase = stored(store, "select BilledCost, EffectiveCost, CommitmentDiscountType from charges "
                             "where ChargeCategory = 'Purchase'")
    assert purchase == [(d("3.25"), Decimal(0).quantize(Q), "Reservation")]
    covered = stored(store, "select count(*), sum(BilledCost) from charges where CommitmentDiscountStatus = 'Used'")
    assert covered[0][0] > 0 and covered[0][1] == 0


def test_azure_files_are_recognized_by_content_without_telling_names(store, tmp_path):
    a, b = tmp_path / "export-1.csv", tmp_path / "export-2.csv"
    a.write_bytes(AMORTIZED.read_bytes())
    b.write_bytes(ACTUAL.read_bytes())
    result = import_files(store, new_duck(), [str(a), str(b)])
    assert result.ok and result.rows == len(rows(AMORTIZED)) + 1


def test_azure_tags_without_braces_become_an_object(store):
    assert import_files(store, new_duck(), [str(AMORTIZED)]).ok
    tags = [json.loads(t) for (t,) in stored(store, "select Tags from charges where Tags is not null")]
    assert tags and all(isinstance(t, dict) for t in tags)


def test_focus_sample_keeps_its_totals(store):
    raw = rows(FOCUS)
    assert import_files(store, new_duck(), [str(FOCUS)]).ok
    assert totals(store) == {"USD": (sum(d(r["BilledCost"]) for r in raw), sum(d(r["EffectiveCost"]) for r in raw))}


# The SaaS examples write amounts as "$10,100.00", which FOCUS forbids; only the commitment ones are read here.
@pytest.mark.parametrize("path", sorted(glob.glob(str(SAMPLES / "focus" / "spec_v1.2_examples" / "commitment*" /
                                                      "*.csv"))), ids=lambda p: Path(p).stem)
def test_spec_examples_read_with_their_costs(path):
    con = new_duck()
    assert focus_file.load(con, path, "v") == []
    raw = rows(Path(path))
    got = con.execute("select sum(try_cast(BilledCost as decimal(38,12))) from v").fetchone()[0]
    assert got == sum(d(r.get("BilledCost")) for r in raw)


@pytest.mark.parametrize("path", sorted(glob.glob(str(SAMPLES / "focus" / "spec_v1.2_examples" /
                                                      "commitment_discount_flexibility" / "*.csv"))),
                         ids=lambda p: Path(p).stem)
def test_commitment_usage_effective_cost_adds_up_to_the_purchase(path):
    con = new_duck()
    focus_file.load(con, path, "v")
    pairs = con.execute(
        "select CommitmentDiscountId, sum(case when ChargeCategory = 'Purchase' then try_cast(BilledCost as decimal(38,12)) end), "
        "sum(case when ChargeCategory = 'Usage' then try_cast(EffectiveCost as decimal(38,12)) end) "
        "from v where CommitmentDiscountId is not null group by 1").fetchall()
    assert pairs and all(purchase == usage for _, purchase, usage in pairs)
