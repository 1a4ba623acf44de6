"""Items 4 and 12 (decimals, currencies): typed Parquet numbers are checked like CSV text.

A Parquet file whose DOUBLE cost is NaN, Infinity or 1e30 used to import "ok" with those costs
read as NULL: money silently gone. Now every such value, an amount with more than 12 decimals
and a currency that is not ISO 4217 is refused by row and column.
"""

from decimal import Decimal

import pytest

from lib.core import access
from lib.core.sql import literal
from lib.sources import imports
from lib.store.lake import new_duck
from tests.bill import charge
from tests.hostile.conftest import bill, snapshot


def parquet(tmp_path, replace: str, name="typed.parquet") -> str:
    """A typed Parquet bill of three $7 charges, with `replace` (SQL over row n = 1, 2, 3) swapped in."""
    rows = [charge("web", "Amazon EC2", "7.00", BillingAccountId="payer-2", ResourceId=f"i-{n}") for n in (1, 2, 3)]
    source = bill(tmp_path / "three.csv", rows)
    out = tmp_path / name
    new_duck().execute(
        f"copy (select * replace ({replace}) from (select *, row_number() over () as n from read_csv({literal(source)}, "
        f"all_varchar = true)) order by n) to {literal(out)}")
    return str(out)


@pytest.mark.parametrize(("value", "shown"), [("'nan'", "nan"), ("'inf'", "inf"), ("'-inf'", "-inf"),
                                               ("'1e30'", "1e+30")])
def test_a_double_cost_that_is_not_a_finite_amount_is_refused(served, tmp_path, value, shown):
    before = snapshot(served)
    path = parquet(tmp_path, f"case when n = 2 then cast({value} as double) else cast(BilledCost as double) end "
                             "as BilledCost")
    result = imports.import_paths(served, access.CLI, [path])
    assert [str(p) for p in result.problems] == [
        f"typed.parquet, row 2, column BilledCost: not a finite number within DECIMAL(38,12): {shown}"]
    assert snapshot(served) == before


def test_a_typed_decimal_with_more_than_12_places_is_refused_not_rounded(served, tmp_path):
    before = snapshot(served)
    path = parquet(tmp_path, "case when n = 3 then 7.000000000000000001::decimal(38,18) else "
                             "cast(EffectiveCost as decimal(38,18)) end as EffectiveCost")
    result = imports.import_paths(served, access.CLI, [path])
    assert [str(p) for p in result.problems] == [
        "typed.parquet, row 3, column EffectiveCost: more than 12 decimal places: 7.000000000000000001"]
    assert snapshot(served) == before


@pytest.mark.parametrize("text", ["0.0000000000001", "1.5e-13", "12.3456789012345"])
def test_a_csv_amount_with_more_than_12_places_is_refused_not_rounded(served, tmp_path, text):
    before = snapshot(served)
    path = bill(tmp_path / "fine.csv", [charge("web", "Amazon EC2", "7.00", BillingAccountId="payer-2"),
                                        charge("web", "Amazon EC2", text, BillingAccountId="payer-2")])
    result = imports.import_paths(served, access.CLI, [path])
    assert {(p.row, p.column) for p in result.problems} == {(3, "BilledCost"), (3, "EffectiveCost"), (3, "ListCost"),
                                                            (3, "ContractedCost")}
    assert all("more than 12 decimal places" in p.reason and text in p.reason for p in result.problems)
    assert snapshot(served) == before


def test_twelve_places_and_exponents_that_fit_are_exact(served, tmp_path):
    path = bill(tmp_path / "exact.csv", [charge("web", "Amazon EC2", "0.000000000001", BillingAccountId="payer-2"),
                                         charge("web", "Amazon EC2", "1.5e3", BillingAccountId="payer-2")])
    result = imports.import_paths(served, access.CLI, [path])
    assert result.ok, [str(p) for p in result.problems]
    assert result.totals["USD"]["billed"] == Decimal("1500.000000000001")


@pytest.mark.parametrize("code", ["XYZ", "usd", "US$", "BTC"])
def test_a_currency_that_is_not_iso_4217_is_refused(served, tmp_path, code):
    before = snapshot(served)
    path = bill(tmp_path / "fx.csv", [charge("web", "Amazon EC2", "7.00", BillingAccountId="payer-2",
                                             BillingCurrency=code)])
    result = imports.import_paths(served, access.CLI, [path])
    assert [str(p) for p in result.problems] == [f"fx.csv, row 2, column BillingCurrency: not an ISO 4217 currency "
                                                 f"code: {code}"]
    assert snapshot(served) == before
