"""The FinOps Foundation's validator on the FOCUS exports of every real sample, the hand-written 1.3/1.4 files and
the demo: nothing fails but the validator's own false positives (tests.focus_validator) and, for the FinOps
Foundation's FOCUS 1.0 sample, two breaches of the rules in the sample's own data, shown here from the raw file."""

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from lib.core import access
from lib.reports import focus_export
from lib.store.lake import engine, new_duck
from lib.store.state import open_store
from tests import focus_validator as fv
from tests.reports.test_focus_export import REAL, imported

pytestmark = pytest.mark.usefixtures("validator")
SAMPLE_10 = REAL["focus-1.0-sample"][0]
SOURCE_DATA = {  # sample -> {rule: what in the provider's own data breaks it} (checked from the file below)
    "focus-1.0-sample": {
        "ServiceName-C-005-C": "the sample files 'Amazon Elastic Compute Cloud' under two ServiceCategories",
        "ContractedUnitPrice-C-009-C": "one row of the sample has a negative ContractedUnitPrice",
    },
}


@pytest.fixture(scope="module")
def validator():
    fv.require()


def validate(path: Path, tmp_path: Path, allowed: dict[str, str]) -> tuple[dict, fv.Report]:
    crit = fv.criteria(str(path))
    report = fv.run(str(path), crit, tmp_path / "run")
    return fv.findings(report, crit, csv=path.suffix == ".csv", allowed=allowed)[0], report


@pytest.mark.parametrize("name", sorted(REAL))
def test_export_of_each_sample_passes_the_validator(tmp_path, name):
    store = imported(tmp_path, "s", REAL[name])
    out = tmp_path / f"{name}.parquet"
    assert focus_export.export(store, engine(store, new_duck()), access.CLI, str(out), fmt="parquet")[1] == []
    allowed = SOURCE_DATA.get(name, {})
    unexplained, report = validate(out, tmp_path, allowed)
    assert unexplained == {}, report.totals
    assert set(allowed) <= set(report.failed)  # the allowances are real findings, not blanket exceptions


@pytest.mark.parametrize("name", ["focus-1.0-sample", "hand-1.3"])
def test_allocated_1_3_export_passes_the_1_2_rules_it_shares(tmp_path, name):
    store = imported(tmp_path, "s", REAL[name])
    out = tmp_path / "allocated.parquet"
    assert focus_export.export(store, engine(store, new_duck()), access.CLI, str(out), version="1.3", fmt="parquet",
                               allocated=True)[1] == []
    assert validate(out, tmp_path, SOURCE_DATA.get(name, {}))[0] == {}


@pytest.mark.parametrize("version, fmt, allocated", [("1.2", "csv", False), ("1.3", "parquet", True)])
def test_demo_export_passes_the_validator(demo_dir, tmp_path, version, fmt, allocated):
    store = open_store(demo_dir)
    con = engine(store, new_duck())
    month = con.execute("select max(x_BillingPeriod) from charges where InvoiceId is not null").fetchone()[0]
    out = tmp_path / f"demo.{fmt}"
    result, problems = focus_export.export(store, con, access.CLI, str(out), month, version, fmt, allocated)
    assert problems == [] and result.rows > 1000
    unexplained, report = validate(out, tmp_path, {})
    assert unexplained == {}, report.totals


def test_the_source_data_breaches_are_in_the_sample_itself():
    with open(SAMPLE_10, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    categories = {r["ServiceCategory"] for r in rows if r["ServiceName"] == "Amazon Elastic Compute Cloud"}
    assert categories == {"Compute", "Storage"}
    assert any(r["ContractedUnitPrice"] not in ("", "NULL") and Decimal(r["ContractedUnitPrice"]) < 0 for r in rows)
