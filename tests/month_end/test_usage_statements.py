"""A team's share of the usage on its statement (per day in the CSV, per month in the PDF) and in explain.

The bill and usage of tests/allocation/test_usage_allocation.py: $100 of cluster cost on each of 2026-11-03
(checkout 3 of 5), 2026-11-04 (checkout 1 of 4) and 2026-11-05 (no usage: the month's 4 of 9).
"""

import csv
import io
from decimal import Decimal

from lib.cli.main import main
from lib.core import access
from lib.month_end import statement_csv, statement_pdf, statements
from lib.store.lake import engine, new_duck
from tests.allocation.test_usage_allocation import CLUSTER, setup
from tests.bill import charge
from tests.month_end.test_statement_pdf import pdf_text

BILL = [charge(None, "Amazon EC2", "100", day=d, tags=CLUSTER) for d in ("2026-11-03", "2026-11-04", "2026-11-05")]


def test_the_statement_shows_the_share_of_the_usage_per_day_and_month(store, tmp_path):
    setup(store, tmp_path, bill=BILL)
    con = statements.prepare(store, engine(store, new_duck()))
    st, problems = statements.build(store, con, access.CLI, "payments", "2026-11")
    assert problems == []
    [block] = st.blocks
    assert [(li.rule, round(li.share, 6), li.amount) for li in block.lines] == [
        ("Shared cluster", round(4 / Decimal(9), 6), Decimal("129.44"))]  # 60 + 25 + 44.44
    rows = list(csv.DictReader(io.StringIO(statement_csv.render(st).decode())))
    usage = [(r["item"], r["share"][:6], r["note"]) for r in rows if r["section"] == "usage_share"]
    assert usage == [
        ("2026-11", "0.4444", "checkout: 44.4% of cluster shared-prod cost weight on 2026-11"),
        ("2026-11-03", "0.6", "checkout: 60.0% of cluster shared-prod cost weight on 2026-11-03"),
        ("2026-11-04", "0.25", "checkout: 25.0% of cluster shared-prod cost weight on 2026-11-04"),
        ("2026-11-05", "0.4444", "checkout: 44.4% of cluster shared-prod cost weight on 2026-11 "
                                "(no usage on 2026-11-05)")]
    text = " ".join(pdf_text(statement_pdf.render(st), tmp_path).split())
    assert "Shared by usage in 2026-11" in text
    assert "Shared cluster payments cluster shared-prod cost checkout 44.4%" in text
    assert "2026-11-03" not in text  # the PDF is per month


def test_the_journal_and_statements_agree_on_usage_split_lines(store, tmp_path):
    setup(store, tmp_path, bill=BILL)
    con = statements.prepare(store, engine(store, new_duck()))
    lines = statements.period_lines(con, "2026-11", "effective")
    assert sum(li.amount for li in lines[("payments", "USD")]) == sum(
        b.total for b in statements.build(store, con, access.CLI, "payments", "2026-11")[0].blocks)


def test_explain_names_the_namespaces_and_their_share(store, tmp_path, capsys):
    setup(store, tmp_path, bill=BILL)
    assert main(["--data-dir", str(store.data_dir), "explain", "--team", "basket", "--month", "2026-11"]) == 0
    # basket 139.4444, payments 129.4444, Unallocated 31.1111 of the $300 invoice: the left-over cent goes to
    # the first of the two equal remainders, basket (the cells, which the statement and totals show too)
    assert capsys.readouterr().out.splitlines() == [
        "rule,rules_version,reason,share,currency,amount,charges,usage",
        "Shared cluster,1,,0.444444,USD,139.45,3,cart: 44.4% of cluster shared-prod cost weight on 2026-11"]
    assert main(["--data-dir", str(store.data_dir), "totals", "--month", "2026-11"]) == 0
    assert "basket,USD,139.45" in capsys.readouterr().out.splitlines()
