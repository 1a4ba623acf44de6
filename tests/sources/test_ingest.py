"""FOCUS import: the real sample keeps its totals; bad files name file, row and column and change nothing."""

import csv
import os
from decimal import Decimal
from pathlib import Path

import pytest

from lib.sources.files import import_files
from lib.store.lake import engine, new_duck
from lib.store.state import state
from tests.bill import charge, write_bill
from tests.paths import SAMPLES

FOCUS_SAMPLE = SAMPLES / "focus" / "focus_sample_1000_focus1.0.csv"


def file_sums(path: Path) -> dict:
    sums: dict = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            billed, effective = sums.get(row["ProviderName"], (Decimal(0), Decimal(0)))
            sums[row["ProviderName"]] = (billed + Decimal(row["BilledCost"]), effective + Decimal(row["EffectiveCost"]))
    return sums


def lake_state(store) -> tuple:
    with state(store) as db:
        files = db.execute("select path, active from lake_files order by id").fetchall()
    on_disk = sorted(str(p.relative_to(store.lake)) for p in (store.lake / "charges").rglob("*.parquet"))
    return [tuple(f) for f in files], on_disk


@pytest.mark.skipif(not FOCUS_SAMPLE.exists(), reason="shared samples are beside the checkout")
def test_focus_sample_imports_with_exact_sums(store):
    result = import_files(store, new_duck(), [str(FOCUS_SAMPLE)])
    assert result.ok and result.rows == 1000
    con = engine(store)
    got = {p: (b, e) for p, b, e in con.execute(
        "select ProviderName, sum(BilledCost), sum(EffectiveCost) from charges group by 1").fetchall()}
    assert got == file_sums(FOCUS_SAMPLE)
    # quirks: 'Usage-based' casing, literal NULL, timestamps without T/Z
    assert con.execute("select count(*) from charges where ChargeFrequency = 'Usage-Based'").fetchone()[0] > 900
    assert con.execute("select count(*) from charges where AvailabilityZone = 'NULL'").fetchone()[0] == 0


def test_reimport_replaces_the_period_instead_of_adding(store, tmp_path):
    path = write_bill(tmp_path / "b.csv", [charge("web", "EC2", "10.00"), charge("web", "EC2", "5.00")])
    import_files(store, new_duck(), [path])
    import_files(store, new_duck(), [path])
    assert engine(store).execute("select sum(BilledCost) from charges").fetchone()[0] == Decimal("15")


@pytest.mark.parametrize("mutate, expected", [
    (lambda rows: rows[1].update(BilledCost="12,50"), "row 3, column BilledCost: cannot read as a number: 12,50"),
    (lambda rows: rows[0].update(ChargePeriodStart="yesterday"), "row 2, column ChargePeriodStart: cannot read as"),
    (lambda rows: rows[0].update(ChargeCategory="Fee"), "row 2, column ChargeCategory: not a FOCUS ChargeCategory"),
    (lambda rows: rows[1].update(BillingCurrency="EUR"), "column BillingCurrency: billing account payer-1 has "
                                                          "several currencies (EUR, USD) in period 2026-10"),
    (lambda rows: rows[0].update(ServiceName=""), "row 2, column ServiceName: required value is empty"),
])
def test_bad_rows_are_named_and_nothing_changes(store, tmp_path, mutate, expected):
    import_files(store, new_duck(), [write_bill(tmp_path / "good.csv", [charge("web", "EC2", "1.00")])])
    before = lake_state(store)
    rows = [charge("web", "EC2", "10.00"), charge("search", "S3", "5.00")]
    mutate(rows)
    result = import_files(store, new_duck(), [write_bill(tmp_path / "bad.csv", rows)])
    assert not result.ok
    assert any(expected in str(p) and str(p).startswith("bad.csv") for p in result.problems), result.problems
    assert lake_state(store) == before


def test_files_that_are_not_billing_data(store, tmp_path):
    (tmp_path / "notes.csv").write_text("hello,world\n1,2\n")
    (tmp_path / "random.parquet").write_bytes(os.urandom(64))
    result = import_files(store, new_duck(), [str(tmp_path / "notes.csv"), str(tmp_path / "random.parquet"),
                                              str(tmp_path / "missing.csv")])
    reasons = sorted(str(p) for p in result.problems)
    assert reasons == ["missing.csv: file not found",
                       "notes.csv: not a billing file Costbook recognizes (" + reasons[1].split("(")[1],
                       "random.parquet: not a billing file Costbook recognizes (" + reasons[2].split("(")[1]]
    assert lake_state(store) == ([], [])


def test_missing_required_column_is_named(store, tmp_path):
    rows = [charge("web", "EC2", "1.00")]
    for r in rows:
        del r["ProviderName"]
    result = import_files(store, new_duck(), [write_bill(tmp_path / "b.csv", rows)])
    assert [str(p) for p in result.problems] == ["b.csv, column ProviderName: required FOCUS column is missing"]
