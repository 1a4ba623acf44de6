"""`export focus`: round trips of every sample and of hand-written FOCUS 1.3/1.4 files, the format, the 1.3 rules.

A round trip imports a file, exports it as FOCUS, imports the export into a fresh store and compares rows
and sums per provider, billing account, period and currency, to the last decimal.
"""

import csv
import glob
import json
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from lib.cli.main import main
from lib.core import access, focus_versions
from lib.reports import focus_export
from lib.sources.files import import_files
from lib.store import audit
from lib.store.lake import engine, new_duck
from lib.store.state import open_store
from tests.paths import FIXTURES, SAMPLES

HAND = FIXTURES / "focus"
SPEC_EXAMPLES = SAMPLES / "focus" / "spec_v1.2_examples"
REAL = {  # every real bill in the samples, as the import reads it (Azure: actual and amortized together)
    "focus-1.0-sample": [SAMPLES / "focus" / "focus_sample_1000_focus1.0.csv"],
    "aws-cur": [SAMPLES / "aws" / "cur_legacy_savingsplan_nok.csv"],
    "azure-ea": [SAMPLES / "azure" / "ea_actualcost_small.csv", SAMPLES / "azure" / "ea_amortizedcost_small.csv"],
    "gcp-export": [SAMPLES / "gcp" / "bq_standard_export_flat_credits.csv"],
    "hand-1.3": [HAND / "focus_1.3_cost_and_usage.csv"],
    "hand-1.4": [HAND / "focus_1.4_cost_and_usage.csv"],
}
SUMS = ("select ProviderName, BillingAccountId, x_BillingPeriod, BillingCurrency, count(*), sum(BilledCost), "
        "sum(EffectiveCost), sum(coalesce(ListCost, BilledCost)), sum(coalesce(ContractedCost, BilledCost)) "
        "from charges group by all order by all")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def imported(tmp_path, name: str, files) -> object:
    store = open_store(tmp_path / name)
    result = import_files(store, new_duck(), [str(f) for f in files])
    assert result.ok, [str(p) for p in result.problems]
    return store


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("version", ["1.2", "1.3"])
@pytest.mark.parametrize("name", sorted(REAL))
def test_round_trip_keeps_rows_and_sums_to_the_last_decimal(tmp_path, name, version, fmt):
    store = imported(tmp_path, "first", REAL[name])
    out = tmp_path / f"export.{fmt}"
    result, problems = focus_export.export(store, engine(store, new_duck()), access.CLI, str(out), version=version,
                                           fmt=fmt)
    assert problems == [] and out.is_file()
    again = imported(tmp_path, "again", [out])
    first = engine(store, new_duck()).execute(SUMS).fetchall()
    assert engine(again, new_duck()).execute(SUMS).fetchall() == first
    assert result.rows == sum(r[4] for r in first)


@pytest.mark.parametrize("path", sorted(glob.glob(str(SPEC_EXAMPLES / "**" / "*.csv"), recursive=True)),
                         ids=lambda p: Path(p).stem)
def test_spec_examples_are_refused_by_row_and_column_rather_than_misread(tmp_path, path):
    """The spec's worked examples are fragments: some lack required columns, some write amounts as '$10,000.00'
    or dates as '4/1/25' (read as the year 4 before these checks). None may import silently wrong."""
    result = import_files(open_store(tmp_path), new_duck(), [path])
    assert not result.ok
    assert all(p.column or "not a billing file" in p.reason for p in result.problems), result.problems
    if "5/1/25" in Path(path).read_text(encoding="utf-8-sig"):
        assert any(p.row == 2 and "not an ISO 8601 date/time" in p.reason for p in result.problems)


def csv_rows(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_csv_format_columns_dates_nulls_and_precision(tmp_path):
    store = imported(tmp_path, "s", REAL["hand-1.3"])
    out = tmp_path / "bill.csv"
    focus_export.export(store, engine(store, new_duck()), access.CLI, str(out), version="1.3", fmt="csv")
    header = next(csv.reader(open(out, encoding="utf-8")))
    focus_cols = list(focus_versions.columns("1.3"))
    assert header[:len(focus_cols)] == focus_cols and all(h.startswith("x_") for h in header[len(focus_cols):])
    rows = csv_rows(out)
    for r in rows:
        for c in ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"):
            assert ISO.match(r[c]), r[c]
    assert not any(v in ("NULL", "null", "None", "NaN") for r in rows for v in r.values())
    assert {r["ChargeClass"] for r in rows} == {""}  # null is an empty field
    assert sorted(r["BilledCost"] for r in rows)[0] == "100.000000000000"  # the lake's 12 decimals


def test_provider_x_columns_keep_their_names_and_costbook_fields_are_x_costbook(tmp_path):
    bill = tmp_path / "bill.csv"
    rows = csv_rows(HAND / "focus_1.4_cost_and_usage.csv")
    with open(bill, "w", newline="") as f:
        out = csv.DictWriter(f, [*rows[0], "x_ServiceCode", "x_Discounts"])
        out.writeheader()
        out.writerows(dict(r, x_ServiceCode=f"code-{i}", x_Discounts="=SUM(A1)" if i == 0 else "")
                      for i, r in enumerate(rows))
    store = imported(tmp_path, "s", [bill])
    for fmt in ("csv", "parquet"):
        out = tmp_path / f"out.{fmt}"
        focus_export.export(store, engine(store, new_duck()), access.CLI, str(out), version="1.3", fmt=fmt)
        got = duckdb.connect().execute(
            f"select x_ServiceCode, x_Discounts, x_CostbookSource from '{out}' order by x_ServiceCode").fetchall()
        formula = "'=SUM(A1)" if fmt == "csv" else "=SUM(A1)"  # CSV text is formula-safe, Parquet as it is
        assert got == [("code-0", formula, "focus"), ("code-1", None, "focus"), ("code-2", None, "focus")]


def test_version_1_3_columns_follow_the_1_3_rules(tmp_path):
    """What the offline validator cannot check (it has only the 1.2 rules), checked here on the export."""
    store = imported(tmp_path, "s", [*REAL["hand-1.3"], *REAL["aws-cur"]])
    out = tmp_path / "bill.parquet"
    focus_export.export(store, engine(store, new_duck()), access.CLI, str(out), version="1.3", fmt="parquet")
    con = duckdb.connect()
    cols = [d[0] for d in con.execute(f"select * from '{out}' limit 0").description]
    assert [c for c in cols if not c.startswith("x_")] == list(focus_versions.columns("1.3"))
    assert con.execute(f"select count(*) from '{out}' where ServiceProviderName is null or HostProviderName is null "
                       "or ProviderName is null").fetchone()[0] == 0
    split = con.execute(f"select AllocatedMethodId, AllocatedMethodDetails, AllocatedResourceId, AllocatedTags "
                        f"from '{out}' where AllocatedMethodId is not null order by AllocatedResourceId").fetchall()
    assert [(m, json.loads(d)["Elements"][0]["AllocatedRatio"], r, json.loads(t)) for m, d, r, t in split] == [
        ("acme-k8s-cpu-requests", 0.25, "ns/search", {"team": "search"}),
        ("acme-k8s-cpu-requests", 0.75, "ns/web", {"team": "web"})]
    assert con.execute(f"select count(*) from '{out}' where AllocatedMethodId is null and (AllocatedMethodDetails "
                       "is not null or AllocatedResourceId is not null or AllocatedTags is not null)").fetchone()[0] == 0
    applied = con.execute(f"select ContractApplied from '{out}' where ContractApplied like '%CC-2%'").fetchone()[0]
    assert json.loads(applied)["Elements"][0]["ContractCommitmentId"] == "CC-2"  # '…ID' in the file, '…Id' out
    categories = {r[0] for r in con.execute(f"select distinct ChargeCategory from '{out}'").fetchall()}
    assert categories <= set(("Usage", "Purchase", "Tax", "Credit", "Adjustment"))
    frequencies = {r[0] for r in con.execute(f"select distinct ChargeFrequency from '{out}'").fetchall()}
    assert frequencies <= {"One-Time", "Recurring", "Usage-Based", None}


def test_values_focus_defines_fill_empty_required_columns(tmp_path):
    store = imported(tmp_path, "s", REAL["gcp-export"])  # Google's export has no contracted cost or subcategory
    out = tmp_path / "bill.parquet"
    focus_export.export(store, engine(store, new_duck()), access.CLI, str(out), fmt="parquet")
    con = duckdb.connect()
    assert con.execute(f"select count(*) from '{out}' where ContractedCost is distinct from BilledCost or ServiceCategory "
                       "is null or ServiceSubcategory is null or PricingCurrency is distinct from BillingCurrency or "
                       "PricingCurrencyEffectiveCost is distinct from EffectiveCost").fetchone()[0] == 0
    assert con.execute(f"select typeof(BilledCost), typeof(ChargePeriodStart), typeof(BillingAccountId) from '{out}' "
                       "limit 1").fetchone() == ("DECIMAL(38,12)", "TIMESTAMP WITH TIME ZONE", "VARCHAR")


@pytest.mark.parametrize("user", [access.User("dana", "department_head", frozenset({"engineering"})),
                                  access.User("vic", "viewer", frozenset({"engineering"}))])
def test_only_finance_and_admins_export_the_bill(tmp_path, user):
    store = imported(tmp_path, "s", REAL["hand-1.3"])
    with pytest.raises(access.PermissionDenied):
        focus_export.export(store, engine(store, new_duck()), user, str(tmp_path / "x.csv"))
    assert not (tmp_path / "x.csv").exists()


def test_an_export_is_audited(tmp_path):
    store = imported(tmp_path, "s", REAL["hand-1.3"])
    fiona = access.User("fiona", "finance")
    result, _ = focus_export.export(store, engine(store, new_duck()), fiona, str(tmp_path / "x.csv"), "2026-09")
    entry = audit.entries(store, access.User("ada", "admin"), action="export.focus")[0]
    assert (entry.actor, entry.target) == ("fiona", "x.csv")
    assert json.loads(entry.details) == {"allocated": False, "format": "csv", "month": "2026-09",
                                         "periods": ["2026-09"], "rows": 6, "version": "1.2"}
    assert result.rows == 6


def test_cli_export_and_its_refusals(tmp_path, capsys):
    store = imported(tmp_path, "s", REAL["hand-1.4"])
    data = str(store.data_dir)
    assert main(["--data-dir", data, "export", "focus", "--out", str(tmp_path / "b.parquet"), "--version", "1.3"]) == 0
    assert "wrote" in capsys.readouterr().err and (tmp_path / "b.parquet").is_file()
    assert duckdb.connect().execute(f"select count(*) from '{tmp_path / 'b.parquet'}'").fetchone()[0] == 3
    assert main(["--data-dir", data, "export", "focus", "--out", str(tmp_path / "b.csv"), "--month", "2026-07"]) == 2
    assert capsys.readouterr().err.strip() == "error: no charges in 2026-07"
    assert main(["--data-dir", data, "export", "focus", "--out", str(tmp_path / "b.csv"), "--month", "July"]) == 2
    with pytest.raises(SystemExit):
        main(["--data-dir", data, "export", "focus", "--out", str(tmp_path / "b.csv"), "--version", "1.4"])


def test_amounts_keep_full_precision(tmp_path):
    rows = csv_rows(HAND / "focus_1.4_cost_and_usage.csv")
    rows[0]["BilledCost"] = rows[0]["EffectiveCost"] = "110.123456789012"
    bill = tmp_path / "bill.csv"
    with open(bill, "w", newline="") as f:
        out = csv.DictWriter(f, list(rows[0]))
        out.writeheader()
        out.writerows(rows)
    store = imported(tmp_path, "s", [bill])
    focus_export.export(store, engine(store, new_duck()), access.CLI, str(tmp_path / "o.csv"))
    assert Decimal("110.123456789012") in {Decimal(r["BilledCost"]) for r in csv_rows(tmp_path / "o.csv")}


def test_the_download_is_the_export_of_one_month(tmp_path):
    store = imported(tmp_path, "s", [*REAL["hand-1.3"], *REAL["hand-1.4"]])
    fiona = access.User("fiona", "finance")
    data, problems = focus_export.download(store, engine(store, new_duck()), fiona, "2026-10", "1.3", "parquet", True)
    assert problems == []
    path = tmp_path / "got.parquet"
    path.write_bytes(data)
    assert duckdb.connect().execute(f"select count(*), sum(BilledCost) from '{path}'").fetchone() == (3, Decimal("154"))
    assert not list(store.data_dir.glob(".focus-export-*"))  # the temporary folder is gone
    assert focus_export.file_name("2026-10", "1.3", "parquet", True) == "focus-1.3-allocated-2026-10.parquet"
