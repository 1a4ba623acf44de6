"""Month close end to end through the CLI: reconcile, close, frozen statements, restatement, reopen."""

import csv
import io
import sqlite3

import pytest

from lib.cli.main import main
from lib.core import access
from lib.month_end import close, closes
from tests import statement_helpers as h


@pytest.fixture
def company(store, con, tmp_path):
    h.setup_company(store, con, tmp_path)
    return store, con


def run(capsys, store, *argv) -> tuple[int, str, str]:
    code = main(["--data-dir", str(store.data_dir), *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def audit_actions(store) -> list[tuple[str, str]]:
    with sqlite3.connect(store.state_path) as db:
        return db.execute("select action, target from audit_log order by id").fetchall()


def test_close_restate_reopen(company, capsys, tmp_path):
    store, con = company
    code, out, err = run(capsys, store, "reconcile", "--month", "2026-10")
    assert code == 0 and "reconciles" in err
    assert "AWS,acme-payer,USD,217.51,217.51,217.51,210.01,7.50,210.01,0.00,,0.00,pass" in out
    assert "AWS,(all accounts),USD,217.51,217.51,217.51,210.01,7.50,210.01,0.00,217.51,0.00,pass" in out

    assert run(capsys, store, "close", "--month", "2026-10", "--no-send")[0] == 0
    assert run(capsys, store, "close", "--month", "2026-10")[2].strip() == (
        "error: 2026-10 is already closed; reopen it first")
    first = tmp_path / "web-oct.pdf"
    assert run(capsys, store, "statement", "--team", "web", "--month", "2026-10", "--out", str(first))[0] == 0
    frozen = sorted((store.data_dir / "statements" / "2026-10" / "issue-1").glob("CB-2026-10-web-1.pdf"))
    assert frozen and first.read_bytes() == frozen[0].read_bytes()

    # AWS restates October (web's EC2 grows by 30.00) and November arrives.
    november = [h.charge("2026-11", 2, "AWS", "acme-payer", "USD", "Amazon EC2", "Compute", "111111111111",
                         "shop-prod", "10.00", team="web", invoice="INV-AWS-2611")]
    h.load_bill(store, con, tmp_path, h.october(web="150.004")[:4] + november, "restated.csv")

    again = tmp_path / "web-oct-again.pdf"
    run(capsys, store, "statement", "--team", "web", "--month", "2026-10", "--out", str(again))
    assert again.read_bytes() == first.read_bytes()  # a closed month does not move

    nov_csv = tmp_path / "web-nov.csv"
    run(capsys, store, "statement", "--team", "web", "--month", "2026-11", "--format", "csv", "--out", str(nov_csv))
    rows = list(csv.DictReader(io.StringIO(nov_csv.read_text())))
    adjustments = [(r["provider"], r["amount"], r["note"]) for r in rows if r["section"] == "adjustment"]
    assert adjustments == [("AWS", "30.00", "difference restated by the provider for 2026-10, after it was closed")]
    summary = {r["item"]: r["amount"] for r in rows if r["section"] == "summary"}
    assert (summary["total"], summary["amount_due"]) == ("10.00", "40.00")

    code, out, _ = run(capsys, store, "journal", "--month", "2026-11")
    journal = list(csv.DictReader(io.StringIO(out)))
    assert sum(float(r["debit"]) for r in journal) == sum(float(r["credit"]) for r in journal) == 40.00
    assert [r["debit"] for r in journal if r["team"] == "web"] == ["40.00"]

    code, _, err = run(capsys, store, "reconcile", "--month", "2026-10")
    assert code == 0 and "restated after close by $30.00, charged on 2026-11's statements and journal" in err

    assert run(capsys, store, "reopen", "--month", "2026-10", "--reason", " ")[2].strip() == (
        "error: reopening a month needs a reason")
    assert run(capsys, store, "reopen", "--month", "2026-10", "--reason", "AWS restated EC2")[0] == 0
    reopened = tmp_path / "web-oct-reopened.csv"
    run(capsys, store, "statement", "--team", "web", "--month", "2026-10", "--format", "csv", "--out", str(reopened))
    text = reopened.read_text()
    assert "CB-2026-10-web-2" in text and ",summary,total,,,,,,,,168.01," in text
    run(capsys, store, "statement", "--team", "web", "--month", "2026-11", "--format", "csv", "--out", str(nov_csv))
    assert ",adjustment," not in nov_csv.read_text()  # October is open again: no adjustment to carry

    actions = audit_actions(store)
    assert ("month.close", "2026-10") in actions and ("month.reopen", "2026-10") in actions
    assert ("statement.download", "web 2026-10") in actions
    assert run(capsys, store, "audit", "verify")[0] == 0


def test_close_refused_when_it_does_not_reconcile(store, con, tmp_path, capsys):
    rows = h.october()
    rows[1]["InvoiceId"] = ""  # search's EC2 is not on the invoice yet
    assert h.save_org(store, h.ORG, access.CLI, "setup")[1] == [] and h.save_rules(store, h.RULES, access.CLI, "setup")[1] == []
    h.load_bill(store, con, tmp_path, rows)
    code, _, err = run(capsys, store, "close", "--month", "2026-10", "--no-send")
    assert code == 2
    assert err.splitlines() == [
        "AWS / acme-payer / USD: billed cost not on an invoice (InvoiceId sum vs ingested): difference $60.00",
        "  1 charge(s) of Amazon EC2 in 111111111111 without an InvoiceId: $60.00 billed",
        "error: 2026-10 does not reconcile (1 difference(s)); nothing was closed"]
    assert closes.current_close(store, "2026-10") is None
    assert not (store.data_dir / "statements").exists() or not any((store.data_dir / "statements").rglob("*.pdf"))

    code, _, _ = run(capsys, store, "close", "--month", "2026-10", "--no-send", "--override", "invoice due Monday")
    assert code == 0
    assert closes.current_close(store, "2026-10").override_reason == "invoice due Monday"


def test_close_needs_finance_and_data(company):
    store, con = company
    dana = access.User("dana", "department_head", frozenset({"engineering"}))
    with pytest.raises(access.PermissionDenied):
        close.close_month(store, con, dana, "2026-10")
    with pytest.raises(access.PermissionDenied):
        close.reopen_month(store, dana, "2026-10", "because")
    assert close.close_month(store, con, access.CLI, "2027-03") == (None, ["no charges for 2027-03"])
    assert close.reopen_month(store, access.CLI, "2026-10", "why") == ["2026-10 is not closed"]


def test_unknown_team_and_empty_month_through_the_cli(company, capsys, tmp_path):
    store, _ = company
    out = str(tmp_path / "x.pdf")
    assert run(capsys, store, "statement", "--team", "nosuch", "--month", "2026-10", "--out", out)[2].strip() == (
        "error: unknown team 'nosuch'")
    assert run(capsys, store, "statements", "--month", "2027-01", "--out", out)[2].strip() == (
        "error: no charges for 2027-01")


def test_a_restatement_is_rounded_in_the_same_cells(company, capsys, tmp_path):
    """Search's EC2 is restated by +0.007 after October closed: the invoice stays 217.51 (217.514), but the
    cent that rounding gave web (138.004) now goes to search (72.010). November carries the move, -0.01 web
    and +0.01 search, so its journal still credits AWS exactly November's invoice plus October's change (0.00)."""
    store, con = company
    assert run(capsys, store, "close", "--month", "2026-10", "--no-send")[0] == 0
    october = h.october()
    october[1]["BilledCost"] = october[1]["EffectiveCost"] = october[1]["ListCost"] = "60.010"
    november = [h.charge("2026-11", 2, "AWS", "acme-payer", "USD", "Amazon EC2", "Compute", "111111111111",
                         "shop-prod", "10.004", team="web", invoice="INV-AWS-2611")]
    h.load_bill(store, con, tmp_path, october[:4] + november, "restated.csv")
    code, out, _ = run(capsys, store, "journal", "--month", "2026-11")
    lines = list(csv.DictReader(io.StringIO(out)))
    assert [(r["team"], r["debit"], r["credit"]) for r in lines] == [
        ("search", "0.01", "0.00"), ("web", "9.99", "0.00"), ("", "0.00", "10.00")]  # web: 10.00 - 0.01
    code, _, err = run(capsys, store, "reconcile", "--month", "2026-11")
    assert code == 0 and "reconciles" in err
    code, out, _ = run(capsys, store, "reconcile", "--month", "2026-10")
    assert "AWS,(all accounts),USD,217.51,217.51,217.51,210.01,7.50,210.01,0.00,217.51,0.00,pass" in out
