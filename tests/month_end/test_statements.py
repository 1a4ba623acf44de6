"""Statements of the small hand-computed bill (see statement_helpers): numbers, CSV, errors, scoping."""

import csv
import io
from decimal import Decimal

import pytest

from lib.budgets import budget
from lib.core import access, exports
from lib.core.access import User
from lib.month_end import statement_csv, statements
from tests import statement_helpers as h
from tests.paths import GOLDEN

D = Decimal


@pytest.fixture
def company(store, con, tmp_path):
    h.setup_company(store, con, tmp_path)
    return store, con


def test_web_statement_matches_the_hand_computed_bill(company):
    store, con = company
    st, problems = statements.build(store, con, access.CLI, "web", "2026-10")
    assert problems == []
    assert (st.number, st.status, st.cost_center, st.department) == ("CB-2026-10-web-1", "draft", "CC-101",
                                                                      "engineering")
    (usd,) = st.blocks
    # The AWS invoice is 217.507 -> 217.51: web 138.004, search 72.003 and Unallocated 7.50 floor to 217.50,
    # and the missing cent goes to the largest remainder (web's .004), within web to its EC2 line (120.004).
    assert [(li.service, li.rule, li.share, li.amount) for li in usd.lines] == [
        ("Amazon EC2", "Team tag", D(1), D("120.01")), ("Amazon VPC", "Shared networking", D("0.6"), D("18.00"))]
    assert (usd.total, usd.previous, usd.change) == (D("138.01"), D("100.00"), D("38.01"))
    assert usd.by("account_id") == [("111111111111", D("120.01")), ("222222222222", D("18.00"))]
    assert [li.service for li in usd.shared()] == ["Amazon VPC"]
    assert usd.resources == (("i-web-1", "", "Amazon EC2", D("120.01")),)  # the EC2 line's cents, not 120.004 alone


def test_golden_csv(company):
    store, con = company
    st, _ = statements.build(store, con, access.CLI, "search", "2026-10")
    produced = statement_csv.render(st).decode("utf-8")
    assert produced.splitlines()[:-1] == (GOLDEN / "statement_search_2026-10.csv").read_text().splitlines()
    last = next(csv.reader([produced.splitlines()[-1]]))
    assert (last[9], last[-1]) == ("content_hash", statement_csv.content_hash(st))


def test_lines_add_up_to_the_total_in_every_table(company, tmp_path):
    store, con = company
    # Three thirds of a cent-odd amount: only largest-remainder rounding keeps the lines summing to the total.
    rows = [h.charge("2026-11", d, "AWS", "acme-payer", "USD", f"Service {d}", "Compute", "111111111111",
                     "shop-prod", "0.3333", team="web") for d in (1, 2, 3)]
    h.load_bill(store, con, tmp_path, rows, "november.csv")
    statements.prepare(store, con)
    st, _ = statements.build(store, con, access.CLI, "web", "2026-11")
    (usd,) = st.blocks
    assert usd.total == D("1.00")
    assert sum(li.amount for li in usd.lines) == usd.total
    assert sorted(li.amount for li in usd.lines) == [D("0.33"), D("0.33"), D("0.34")]
    assert sum(r[-1] for r in usd.by("provider", "service")) == usd.total


def test_department_statement_covers_its_teams(company):
    store, con = company
    st, _ = statements.build(store, con, access.CLI, "engineering", "2026-10", kind="department")
    (usd,) = st.blocks
    assert {li.team for li in usd.lines} == {"web", "search"}
    # the department adds up its teams' statements (138.01 + 72.00), whatever its own exact total rounds to
    assert usd.total == D("138.01") + D("72.00")


def test_budget_and_variance(company):
    store, con = company
    count, problems = budget.load_budgets_csv(store, "team,month,amount,currency\nweb,2026-10,150.00,USD\n",
                                               access.CLI)
    assert problems == [] and count == 1
    st, _ = statements.build(store, con, access.CLI, "web", "2026-10")
    assert (st.blocks[0].budget, st.blocks[0].variance) == (D("150.00"), D("11.99"))


@pytest.mark.parametrize("team, month, message", [
    ("nosuch", "2026-10", "unknown team 'nosuch'"),
    ("Unallocated", "2026-10", "unknown team 'Unallocated'"),
    ("web", "2027-01", "no charges for 2027-01"),
    ("web", "2026-13", "month '2026-13' is not a billing period like 2026-07"),
])
def test_bad_input_is_a_clear_error(company, team, month, message):
    store, con = company
    st, problems = statements.build(store, con, access.CLI, team, month)
    assert st is None and problems == [message]


def test_out_of_scope_team_looks_unknown(company):
    store, con = company
    dora = User("dora", "department_head", frozenset({"data"}))
    assert statements.build(store, con, dora, "web", "2026-10") == (None, ["unknown team 'web'"])
    st, problems = statements.build(store, con, dora, "platform", "2026-10")
    assert problems == [] and st.blocks[0].currency == "EUR" and st.blocks[0].total == D("80.00")
    with pytest.raises(access.PermissionDenied):
        statements.build(store, con, User("vic", "viewer", frozenset({"data"})), "platform", "2026-10")


def test_csv_neutralizes_formulas(store, con, tmp_path):
    rows = h.october()
    rows[0]["SubAccountName"] = "=HYPERLINK(\"http://evil\")"
    rows[1]["SubAccountName"] = "@SUM(A1)"
    assert h.save_org(store, h.ORG, access.CLI, "setup")[1] == []
    assert h.save_rules(store, h.RULES, access.CLI, "setup")[1] == []
    h.load_bill(store, con, tmp_path, rows)
    statements.prepare(store, con)
    st, _ = statements.build(store, con, access.CLI, "engineering", "2026-10", kind="department")
    parsed = list(csv.DictReader(io.StringIO(statement_csv.render(st).decode())))
    names = {r["account_name"] for r in parsed if r["section"] == "line"}
    assert names == {"'=HYPERLINK(\"http://evil\")", "'@SUM(A1)", "shared-svc"}
    assert all(not r[k].startswith(("=", "+", "@", "\t", "\r")) for r in parsed for k in r)
    assert exports.safe_cell("-2+3") == "'-2+3" and exports.safe_cell("\tx") == "'\tx"


def test_statement_reflects_the_team_share_not_the_viewer(company):
    """Allocation happens before scoping: a department head sees the same share as finance."""
    store, con = company
    dana = User("dana", "department_head", frozenset({"engineering"}))
    mine, _ = statements.build(store, con, dana, "search", "2026-10")
    theirs, _ = statements.build(store, con, access.CLI, "search", "2026-10")
    assert mine == theirs


def test_zip_holds_every_visible_team_in_both_formats(company):
    import zipfile

    from lib.month_end import statement_files

    store, con = company
    data, problems = statement_files.zip_period(store, con, access.CLI, "2026-10")
    assert problems == []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sorted(zf.namelist()) == [f"statement-2026-10-{t}.{f}" for t in ("platform", "search", "web")
                                         for f in ("csv", "pdf")]
        web_pdf = zf.read("statement-2026-10-web.pdf")
    assert web_pdf == statement_files.build_file(store, con, access.CLI, "web", "2026-10", "pdf")[0]
    dora = User("dora", "department_head", frozenset({"data"}))
    with zipfile.ZipFile(io.BytesIO(statement_files.zip_period(store, con, dora, "2026-10")[0])) as zf:
        assert sorted(zf.namelist()) == ["statement-2026-10-platform.csv", "statement-2026-10-platform.pdf"]
