"""Layouts without a real sample: Google's FOCUS view output and AWS CUR 2.0 Parquet with MAP columns."""

import json

from lib.sources.files import detect, import_files
from lib.store.lake import engine, new_duck
from tests.paths import FIXTURES

SOURCE_FIXTURES = FIXTURES / "sources"


def test_google_focus_view_output_is_repaired(store):
    path = SOURCE_FIXTURES / "gcp_focus_view.csv"
    assert detect(new_duck(), str(path)) == "gcp-focus"
    result = import_files(store, new_duck(), [str(path)])
    assert result.ok, result.problems
    rows = engine(store, new_duck()).execute(
        "select ChargeCategory, SubAccountId, SubAccountName, Tags, BillingPeriodEnd from charges "
        "order by ChargeCategory").fetchall()
    assert [(c, s, n, json.loads(t) if t else None, str(e)) for c, s, n, t, e in rows] == [
        ("Tax", "shop-prod", "Shop", None, "2026-07-01 07:00:00"),
        ("Usage", "shop-prod", "Shop", {"team": "web"}, "2026-07-01 07:00:00")]


def test_cur2_parquet_with_tag_and_product_maps(store, tmp_path):
    path = tmp_path / "cur2.parquet"
    new_duck().execute(f"""copy (select * from (values
        ('123456789012', '111111111111', 'USD', timestamp '2026-06-01', timestamp '2026-07-01',
         timestamp '2026-06-05 10:00', timestamp '2026-06-05 11:00', 'Usage', 'AmazonEC2', 0.125::double,
         map {{'user_team': 'web', 'user_CostCenter': 'CC-1', 'aws_createdBy': 'x'}},
         map {{'product_name': 'Amazon Elastic Compute Cloud', 'region': 'eu-west-1'}}),
        ('123456789012', '111111111111', 'USD', timestamp '2026-06-01', timestamp '2026-07-01',
         timestamp '2026-06-05 10:00', timestamp '2026-06-05 11:00', 'Tax', 'AmazonEC2', 0.025::double,
         map {{}}::map(varchar, varchar), map {{'product_name': 'Amazon Elastic Compute Cloud'}}))
        t(bill_payer_account_id, line_item_usage_account_id, line_item_currency_code,
          bill_billing_period_start_date, bill_billing_period_end_date, line_item_usage_start_date,
          line_item_usage_end_date, line_item_line_item_type, line_item_product_code, line_item_unblended_cost,
          resource_tags, product)) to '{path}' (format parquet)""")
    assert detect(new_duck(), str(path)) == "aws-cur"
    assert import_files(store, new_duck(), [str(path)]).ok
    rows = engine(store, new_duck()).execute(
        "select ChargeCategory, ServiceName, RegionId, Tags, BilledCost from charges order by 1 desc").fetchall()
    assert [(c, s, r, json.loads(t) if t else None, str(b)) for c, s, r, t, b in rows] == [
        ("Usage", "Amazon Elastic Compute Cloud", "eu-west-1", {"team": "web", "CostCenter": "CC-1",
                                                                "aws_createdBy": "x"}, "0.125000000000"),
        ("Tax", "Amazon Elastic Compute Cloud", None, None, "0.025000000000")]


def test_typed_parquet_with_a_missing_cost_names_the_row(store, tmp_path):
    path = tmp_path / "cur2.parquet"
    new_duck().execute(f"""copy (select '123456789012' as bill_payer_account_id, 'USD' as line_item_currency_code,
        timestamp '2026-06-01' as bill_billing_period_start_date, timestamp '2026-07-01' as bill_billing_period_end_date,
        timestamp '2026-06-05' as line_item_usage_start_date, timestamp '2026-06-06' as line_item_usage_end_date,
        'Usage' as line_item_line_item_type, 'AmazonS3' as line_item_product_code,
        case when i = 2 then null else 1.5 end::double as line_item_unblended_cost from range(4) t(i))
        to '{path}' (format parquet)""")
    result = import_files(store, new_duck(), [str(path)])
    assert [str(p) for p in result.problems] == [
        "cur2.parquet, row 3, column BilledCost: required value is empty",
        "cur2.parquet, row 3, column EffectiveCost: required value is empty"]
