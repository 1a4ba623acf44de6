"""Golden tie-out of a 17-charge, 3-provider bill through the CLI: every artifact shows the same cents.

The bill (October 2026, USD, one billing account and invoice per provider, sub-cent amounts and
credits) is the one where each artifact used to round on its own: the journal credited Microsoft
25.99 while `totals --by provider` said 26.00, and ops-tools was 10.01 in `totals --by team` but
10.00 on its statement and journal debit, which `reconcile` passed as an "allowed" difference.

    provider      invoice         ops-tools   web      search   exact total  invoiced (half-up)
    AWS           INV-AWS-2610    3.334       20.000   9.999    33.333       33.33
    Google Cloud  INV-GCP-2610    3.336       5.000    4.001    12.337       12.34
    Microsoft     INV-MS-2610     3.334       11.331   11.330   25.995       26.00

Each invoice is split over its teams by largest remainder (AWS's missing cent goes to search's
.009, Google's to ops-tools' .006, Microsoft's to ops-tools' .004), so ops-tools pays
3.33 + 3.34 + 3.34 = 10.01 everywhere, and each provider's clearing credit is its invoice.
"""

import csv
import io

import pytest

from lib.cli.main import main
from tests.bill import charge, write_bill

ORG = """
departments:
  - {id: engineering, name: Engineering, gl_account: "6100"}
  - {id: operations, name: Operations, gl_account: "6300"}
teams:
  - {id: web, name: Web, department: engineering, cost_center: CC-101}
  - {id: search, name: Search, department: engineering, cost_center: CC-102}
  - {id: ops-tools, name: Ops tools, department: operations, cost_center: CC-301}
"""
RULES = """
rules:
  - name: Team tag
    match: {tags.team: "*"}
    to: tag:team
"""
AWS = dict(ProviderName="AWS", PublisherName="AWS", InvoiceIssuerName="AWS", BillingAccountId="aws-payer",
           InvoiceId="INV-AWS-2610", SubAccountId="111111111111", SubAccountName="shop-prod")
GCP = dict(ProviderName="Google Cloud", PublisherName="Google Cloud", InvoiceIssuerName="Google Cloud",
           BillingAccountId="01AB-23CD", InvoiceId="INV-GCP-2610", SubAccountId="shop-project", SubAccountName="shop")
MS = dict(ProviderName="Microsoft", PublisherName="Microsoft", InvoiceIssuerName="Microsoft",
          BillingAccountId="ea-7001", InvoiceId="INV-MS-2610", SubAccountId="sub-1", SubAccountName="main-sub")
OPS = "Management and Governance"
BILL = [
    charge("ops-tools", "Amazon CloudWatch", "3.334", category=OPS, **AWS),
    charge("web", "Amazon EC2", "20.500", **AWS),
    charge("web", "Amazon EC2", "-0.500", ChargeCategory="Credit", **AWS),
    charge("web", "Amazon EC2", "0.0004", day="2026-10-06", **AWS),
    charge("web", "Amazon EC2", "-0.0004", day="2026-10-06", ChargeCategory="Credit", **AWS),
    charge("search", "Amazon EC2", "5.000", **AWS),
    charge("search", "Amazon EC2", "4.999", day="2026-10-06", **AWS),
    charge("ops-tools", "Cloud Logging", "3.336", category=OPS, **GCP),
    charge("web", "Compute Engine", "2.500", **GCP),
    charge("web", "Compute Engine", "2.500", day="2026-10-06", **GCP),
    charge("search", "BigQuery", "4.0005", category="Analytics", **GCP),
    charge("search", "BigQuery", "0.0005", category="Analytics", day="2026-10-06", **GCP),
    charge("ops-tools", "Azure Monitor", "3.334", category=OPS, **MS),
    charge("web", "Virtual Machines", "11.000", **MS),
    charge("web", "Virtual Machines", "0.331", day="2026-10-06", **MS),
    charge("search", "Azure SQL Database", "5.665", category="Databases", **MS),
    charge("search", "Azure SQL Database", "5.665", category="Databases", day="2026-10-06", **MS),
]


@pytest.fixture
def data(tmp_path, capsys):
    (tmp_path / "org.yaml").write_text(ORG)
    (tmp_path / "rules.yaml").write_text(RULES)
    data = tmp_path / "data"
    for argv in (["org", "load", str(tmp_path / "org.yaml")], ["rules", "load", str(tmp_path / "rules.yaml")],
                 ["import", write_bill(tmp_path / "bill.csv", BILL)]):
        assert not main(["--data-dir", str(data), *argv])
    capsys.readouterr()
    return data


def cli(capsys, data, *argv) -> tuple[int, list[dict], str]:
    code = main(["--data-dir", str(data), *argv])
    out = capsys.readouterr()
    return code, list(csv.DictReader(io.StringIO(out.out))), out.err


def test_the_bill_has_17_charges_of_3_providers():
    assert len(BILL) == 17 and len({r["ProviderName"] for r in BILL}) == 3


@pytest.mark.parametrize("by, expected", [
    ("provider", [("AWS", "33.33"), ("Microsoft", "26.00"), ("Google Cloud", "12.34")]),
    ("team", [("web", "36.33"), ("search", "25.33"), ("ops-tools", "10.01")]),
    ("department", [("engineering", "61.66"), ("operations", "10.01")]),
])
def test_totals(data, capsys, by, expected):
    code, rows, _ = cli(capsys, data, "totals", "--month", "2026-10", "--by", by)
    assert code in (0, None) and [(r[by], r["amount"]) for r in rows] == expected


def test_journal_credits_each_invoice_and_debits_each_statement(data, capsys, tmp_path):
    _, lines, _ = cli(capsys, data, "journal", "--month", "2026-10")
    credits = {r["provider"]: r["credit"] for r in lines if not r["team"]}
    assert credits == {"AWS": "33.33", "Google Cloud": "12.34", "Microsoft": "26.00"}
    debits = {(r["team"], r["provider"]): r["debit"] for r in lines if r["team"]}
    assert debits == {("ops-tools", "AWS"): "3.33", ("search", "AWS"): "10.00", ("web", "AWS"): "20.00",
                      ("ops-tools", "Google Cloud"): "3.34", ("search", "Google Cloud"): "4.00",
                      ("web", "Google Cloud"): "5.00", ("ops-tools", "Microsoft"): "3.34",
                      ("search", "Microsoft"): "11.33", ("web", "Microsoft"): "11.33"}
    out = tmp_path / "ops.csv"
    assert not main(["--data-dir", str(data), "statement", "--team", "ops-tools", "--month", "2026-10",
                     "--format", "csv", "--out", str(out)])
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    summary = {r["item"]: r["amount"] for r in rows if r["section"] == "summary"}
    assert (summary["total"], summary["amount_due"]) == ("10.01", "10.01")
    assert sorted((r["provider"], r["amount"]) for r in rows if r["section"] == "line") == [
        ("AWS", "3.33"), ("Google Cloud", "3.34"), ("Microsoft", "3.34")]


def test_reconcile_ties_out_without_tolerance(data, capsys):
    code, rows, err = cli(capsys, data, "reconcile", "--month", "2026-10")
    assert code == 0 and err.strip().endswith("reconciles") and "difference" not in err
    accounts = [(r["provider"], r["billing_account"], r["invoiced"], r["allocated"], r["statements"], r["journal"],
                 r["status"]) for r in rows]
    assert accounts == [
        ("AWS", "aws-payer", "33.33", "33.33", "33.33", "", "pass"),
        ("Google Cloud", "01AB-23CD", "12.34", "12.34", "12.34", "", "pass"),
        ("Microsoft", "ea-7001", "26.00", "26.00", "26.00", "", "pass"),
        ("AWS", "(all accounts)", "33.33", "33.33", "33.33", "33.33", "pass"),
        ("Google Cloud", "(all accounts)", "12.34", "12.34", "12.34", "12.34", "pass"),
        ("Microsoft", "(all accounts)", "26.00", "26.00", "26.00", "26.00", "pass")]
