"""Item 5: charge dates must lie in their billing period (with a documented tolerance).

A charge dated 0001-01-01 inside billing period 2026-11 used to be accepted; anomaly detection
then built a daily series from year 1 and took minutes and gigabytes. Now such a row is refused
by row and column; charges a provider bills late (up to 31 days before the period) still load.
"""

from lib.allocation import cache
from lib.anomalies.series import load_series
from lib.core import access
from lib.core.sql import literal
from lib.sources import checks, imports
from lib.store.lake import engine, new_duck
from tests.bill import charge
from tests.hostile.conftest import bill, snapshot


def test_a_charge_dated_year_one_inside_november_is_refused(served, tmp_path):
    before = snapshot(served)
    path = bill(tmp_path / "old.csv", [
        charge("web", "Amazon EC2", "7.00", day="2026-11-05", BillingAccountId="payer-2"),
        charge("web", "Amazon EC2", "1.00", day="2026-11-05", BillingAccountId="payer-2",
               ChargePeriodStart="0001-01-01T00:00:00Z", ChargePeriodEnd="0001-01-02T00:00:00Z")])
    result = imports.import_paths(served, access.CLI, [path])
    assert [str(p) for p in result.problems] == [
        "old.csv, row 3, column ChargePeriodStart: the charge starts 0001-01-01 00:00, outside its billing period "
        "2026-11-01..2026-12-01 (a charge may start up to 31 days before it)"]
    assert snapshot(served) == before
    con = engine(served, new_duck())
    cache.allocated_view(served, con)
    series = load_series(con, "effective", None)
    assert series.values.shape[1] < 40  # the served days only: nothing reaches back to year 1


def test_a_typed_parquet_timestamp_from_year_one_is_refused(served, tmp_path):
    before = snapshot(served)
    source = bill(tmp_path / "a.csv", [charge("web", "Amazon EC2", "7.00", BillingAccountId="payer-2")])
    out = tmp_path / "typed.parquet"
    new_duck().execute(f"copy (select * replace (timestamp '0001-01-01' as ChargePeriodStart, "
                       f"timestamp '0001-01-02' as ChargePeriodEnd) from read_csv({literal(source)}, all_varchar = true)) "
                       f"to {literal(out)}")
    result = imports.import_paths(served, access.CLI, [str(out)])
    assert [(p.row, p.column) for p in result.problems] == [(1, "ChargePeriodStart")]
    assert snapshot(served) == before


def test_a_billing_period_in_year_one_or_a_year_long_is_refused(served, tmp_path):
    before = snapshot(served)
    path = bill(tmp_path / "periods.csv", [
        charge("web", "Amazon EC2", "1.00", day="2026-11-05", BillingAccountId="payer-2",
               BillingPeriodStart="0001-11-01T00:00:00Z", BillingPeriodEnd="0001-12-01T00:00:00Z"),
        charge("web", "Amazon EC2", "1.00", day="2026-11-05", BillingAccountId="payer-3",
               BillingPeriodEnd="2027-11-01T00:00:00Z")])
    result = imports.import_paths(served, access.CLI, [path])
    assert [(p.row, p.column) for p in result.problems] == [(2, "BillingPeriodStart"), (2, "ChargePeriodStart"),
                                                            (3, "BillingPeriodEnd")]
    assert snapshot(served) == before


def test_a_charge_that_ends_before_it_starts_is_refused(served, tmp_path):
    path = bill(tmp_path / "backwards.csv", [charge("web", "Amazon EC2", "1.00", BillingAccountId="payer-2",
                                                    ChargePeriodEnd="2026-10-04T00:00:00Z")])
    result = imports.import_paths(served, access.CLI, [path])
    assert [(p.row, p.column) for p in result.problems] == [(2, "ChargePeriodEnd")]


def test_late_usage_within_the_tolerance_still_loads(served, tmp_path):
    early = "2026-09-05"  # 26 days before its billing period, inside the tolerance
    assert checks.CHARGE_EARLY_DAYS >= 26
    path = bill(tmp_path / "late.csv", [charge("web", "Amazon EC2", "3.00", BillingAccountId="payer-2",
                                               ChargePeriodStart=f"{early}T00:00:00Z",
                                               ChargePeriodEnd=f"{early}T23:00:00Z")])
    result = imports.import_paths(served, access.CLI, [path])
    assert result.ok, [str(p) for p in result.problems]
    assert result.periods == ("2026-10",)
