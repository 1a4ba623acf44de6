"""FOCUS ContractCommitment, BillingPeriod and InvoiceDetail: imported into the store, used by reconcile,
commitments and the Close page; corrections to closed periods flagged."""

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.cli.main import main
from lib.core import access
from lib.month_end import reconcile, statements
from lib.reports import commitments
from lib.sources.files import import_files
from lib.store.lake import engine, new_duck
from lib.store.state import open_store, state
from lib.web.context import Filters
from tests.paths import FIXTURES

HAND = FIXTURES / "focus"
V13, V14 = HAND / "focus_1.3_cost_and_usage.csv", HAND / "focus_1.4_cost_and_usage.csv"
COMMITMENTS = HAND / "focus_1.3_contract_commitment.csv"
PERIODS = HAND / "focus_1.4_billing_period.csv"
INVOICES = HAND / "focus_1.4_invoice_detail.csv"
D = Decimal


def rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write(path: Path, table: list[dict]) -> str:
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.DictWriter(f, list(table[0]))
        out.writeheader()
        out.writerows(table)
    return str(path)


@pytest.fixture
def acme(tmp_path):
    store = open_store(tmp_path / "data")
    result = import_files(store, new_duck(), [str(p) for p in (V13, V14, COMMITMENTS, PERIODS, INVOICES)])
    assert result.ok, result.problems
    assert result.datasets == {"ContractCommitment": 2, "BillingPeriod": 2, "InvoiceDetail": 3}
    return store


def ready(store):
    """A DuckDB connection with the charges and the allocated view, as the reconcile verb and page have."""
    return statements.prepare(store, new_duck())


def fetch(db, sql: str) -> list[tuple]:
    return [tuple(r) for r in db.execute(sql).fetchall()]


def test_datasets_are_stored(acme):
    with state(acme) as db:
        assert fetch(db, "select contract_commitment_id, category, cost, quantity, unit, period_start "
                          "from focus_contract_commitments order by 1") == [
            ("CC-1", "Spend", "1200.000000000000", None, None, "2026-01-01T00:00:00Z"),
            ("CC-2", "Usage", "300.000000000000", "720.000000000000", "Hours", "2026-01-01T00:00:00Z")]
        assert fetch(db, "select period, status from focus_billing_periods order by 1") == [
            ("2026-09", "Closed"), ("2026-10", "Open")]
        assert fetch(db, "select invoice_id, invoice_detail_id, billed_cost from focus_invoice_details "
                         "order by 2") == [("INV-2026-10", "1", "110.000000000000"),
                                                       ("INV-2026-10", "2", "30.000000000000"),
                                                       ("INV-2026-10", "3", "14.000000000000")]


@pytest.mark.parametrize("path, changes, expected", [
    (PERIODS, {"BillingPeriodStatus": "Final"}, "row 2, column BillingPeriodStatus: not one of Open, Closed: Final"),
    (COMMITMENTS, {"ContractCommitmentCost": "1.200,00"}, "row 2, column ContractCommitmentCost: cannot read as a"),
    (INVOICES, {"BillingPeriodStart": "10/1/2026"}, "row 2, column BillingPeriodStart: not an ISO 8601 date/time"),
    (INVOICES, {"InvoiceId": ""}, "row 2, column InvoiceId: required value is empty"),
])
def test_a_bad_dataset_row_is_named_and_nothing_is_saved(tmp_path, path, changes, expected):
    table = rows(path)
    table[0].update(changes)
    store = open_store(tmp_path / "data")
    result = import_files(store, new_duck(), [str(V13), write(tmp_path / path.name, table)])
    assert any(str(p).startswith(f"{path.name}, {expected}") for p in result.problems), result.problems
    with state(store) as db:
        assert db.execute("select (select count(*) from lake_files) + (select count(*) from focus_billing_periods) "
                          "+ (select count(*) from focus_contract_commitments)").fetchone()[0] == 0


def test_reconcile_uses_invoice_detail_and_says_so(acme):
    result = reconcile.reconcile(acme, ready(acme), access.CLI, "2026-10")
    assert result.invoiced_from == "InvoiceDetail"
    account = next(r for r in result.rows if r.billing_account == "ba-100")
    assert (account.invoiced, account.invoiced_from) == (D("154"), "InvoiceDetail")
    assert result.passed
    without = reconcile.reconcile(acme, ready(acme), access.CLI, "2026-09")
    assert without.invoiced_from == "InvoiceId sums of the charges"


def test_an_invoice_line_that_differs_from_the_charges(acme, tmp_path):
    table = rows(INVOICES)
    table[1]["BilledCost"] = "31.00"
    assert import_files(acme, new_duck(), [write(tmp_path / "inv.csv", table)]).ok  # replaces the period's lines
    result = reconcile.reconcile(acme, ready(acme), access.CLI, "2026-10")
    assert not result.passed
    assert [str(d) for d in result.differences] == [
        "Acme Cloud / ba-100 / USD: billed cost vs invoiced (InvoiceDetail lines): difference -$1.00",
        "Acme Cloud / ba-100 / USD: invoice INV-2026-10: charges vs its InvoiceDetail lines: difference -$1.00"]


def test_a_correction_for_a_period_the_provider_closed_is_flagged(acme, tmp_path, capsys):
    table = rows(V13)
    table[3]["BilledCost"] = table[3]["EffectiveCost"] = "23.50"  # the provider restates closed 2026-09
    assert import_files(acme, new_duck(), [write(tmp_path / "sep.csv", table)]).ok
    october = rows(V14)
    october.append(dict(october[1], ChargeClass="Correction", BilledCost="-2.00", EffectiveCost="-2.00",
                        ListCost="-2.00", ContractedCost="-2.00", ChargePeriodStart="2026-09-06T00:00:00Z",
                        ChargePeriodEnd="2026-09-07T00:00:00Z", InvoiceDetailId="4"))
    assert import_files(acme, new_duck(), [write(tmp_path / "oct.csv", october)]).ok
    found = [str(c) for c in reconcile.reconcile(acme, ready(acme), access.CLI, "2026-09").corrections]
    assert found == ["2026-09 (closed by Acme Cloud Inc.): charges replaced after the provider closed it, by import "
                     "run 2 ($3.50)",
                     "2026-09 (closed by Acme Cloud Inc.): 1 correction charge(s) billed in 2026-10 (-$2.00)"]
    october_view = reconcile.reconcile(acme, ready(acme), access.CLI, "2026-10").corrections
    assert [str(c) for c in october_view] == [found[1]]
    assert main(["--data-dir", str(acme.data_dir), "reconcile", "--month", "2026-09"]) in (0, 1)
    err = capsys.readouterr().err
    assert f"correction to a closed period: {found[0]}" in err and "invoiced amounts from: InvoiceId sums" in err


def test_a_provider_reopening_a_closed_period_is_flagged(acme, tmp_path):
    table = rows(PERIODS)[:1]
    table[0].update(BillingPeriodStatus="Open", BillingPeriodLastUpdated="2026-10-20T00:00:00Z")
    assert import_files(acme, new_duck(), [write(tmp_path / "bp.csv", table)]).ok
    found = [str(c) for c in reconcile.reconcile(acme, ready(acme), access.CLI, "2026-09").corrections]
    assert found == ["2026-09 (closed by Acme Cloud Inc.): the provider reported it Open again on 2026-10-20T00:00:00Z"]


def test_a_correction_charge_for_a_month_costbook_closed(tmp_path):
    store = open_store(tmp_path / "data")
    assert import_files(store, new_duck(), [str(V13)]).ok
    assert main(["--data-dir", str(store.data_dir), "close", "--month", "2026-09", "--no-send"]) == 0
    october = rows(V14)
    october[1].update(ChargeClass="Correction", ChargePeriodStart="2026-09-06T00:00:00Z",
                      ChargePeriodEnd="2026-09-07T00:00:00Z")
    assert import_files(store, new_duck(), [write(tmp_path / "oct.csv", october)]).ok
    found = [str(c) for c in reconcile.reconcile(store, ready(store), access.CLI, "2026-10").corrections]
    assert found == ["2026-09 (closed by Costbook (issue 1)): 1 correction charge(s) billed in 2026-10 ($30.00)"]


def test_each_commitment_shows_its_cost_and_what_was_applied(acme, capsys):
    found = {c.commitment_id: c for c in commitments.commitments(acme, engine(acme, new_duck()), access.CLI)}
    assert (found["CC-1"].cost, found["CC-1"].applied_cost, found["CC-1"].left) == (D("1200"), D("230"), D("970"))
    assert (found["CC-2"].quantity, found["CC-2"].applied_quantity, found["CC-2"].unit) == (D("720"), D("10"), "Hours")
    september = {c.commitment_id: c.applied_cost for c in commitments.commitments(acme, engine(acme, new_duck()),
                                                                                  access.CLI, "2026-09")}
    assert september == {"CC-1": D("120"), "CC-2": D("0")}
    assert main(["--data-dir", str(acme.data_dir), "commitments", "--month", "2026-10"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ",".join(commitments.HEADER)
    assert out[1].startswith("C-1,CC-1,Spend,Spend Commitment,2026-01-01T00:00:00Z,2027-01-01T00:00:00Z,USD,"
                             "1200.000000000000,110.000000000000,1090.000000000000")
    dana = access.User("dana", "department_head", frozenset({"engineering"}))
    with pytest.raises(access.PermissionDenied):
        commitments.commitments(acme, engine(acme, new_duck()), dana)


def test_close_page_shows_corrections_invoice_source_and_commitments(acme, tmp_path, monkeypatch):
    table = rows(PERIODS)[:1]
    table[0].update(BillingPeriodStatus="Open", BillingPeriodLastUpdated="2026-10-20T00:00:00Z")
    assert import_files(acme, new_duck(), [write(tmp_path / "bp.csv", table)]).ok
    monkeypatch.setenv("COSTBOOK_DATA_DIR", str(acme.data_dir))
    at = AppTest.from_file("../../pages/close.py", default_timeout=60)
    at.session_state["user"] = access.User("fiona", "finance")
    at.session_state["filters"] = Filters("2026-09", ("2026-09", "2026-10"), (), "effective", "USD")
    at.run()
    assert not at.exception
    assert "Invoiced amounts from: InvoiceId sums of the charges" in [c.value for c in at.caption]
    assert any("reported it Open again" in w.value for w in at.warning)
    table = next(d.value for d in at.dataframe if "commitment" in d.value.columns)
    assert list(table.commitment) == ["CC-1", "CC-2"] and list(table.applied) == ["$120.00", "$0.00"]
    assert list(table["applied %"]) == ["10.0%", "0.0%"]
