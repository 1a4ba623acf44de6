"""Item 8: team, department and user ids are limited to a safe character set.

A team id like `../../x` put `../` into ZIP entry names (a naive extractor writes outside its
folder) and into the path of the frozen statement, which crashed the month close. Ids now are
letters, digits, - and _ (usernames: lower case, digits, . _ @ + -), refused otherwise with the
entry named; file and ZIP names go through one more guard regardless.
"""

import io
import re
import zipfile

import pytest

from lib.cli.main import main
from lib.config import versions
from lib.core import access
from lib.month_end import statement_files, statements
from lib.people import users
from lib.store.lake import new_duck
from tests.conftest import ORG
from tests.hostile.conftest import snapshot


@pytest.mark.parametrize(("org", "error"), [
    (ORG.replace("{id: web,", "{id: ../../x,"), "org.yaml: team ../../x: team id '../../x' may only have letters"),
    (ORG.replace("department: data,", "department: 'd/../x',").replace("{id: data,", "{id: 'd/../x',"),
     "org.yaml: department d/../x: department id 'd/../x' may only have letters"),
    (ORG.replace("{id: search,", "{id: 'se arch',"), "org.yaml: team se arch: team id 'se arch' may only have"),
])
def test_an_unsafe_org_id_is_refused(served, org, error):
    kept = versions.current_org(served)
    version, errors = versions.save_org(served, org, access.CLI, "attack")
    assert version is None and any(e.startswith(error) for e in errors), errors
    assert versions.current_org(served) == kept


@pytest.mark.parametrize("name", ["../admin", "eve'--", "Eve", "a b", "x" * 129, "dana..lee"])
def test_an_unsafe_username_is_refused(served, name, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("Corr3ct-horse-battery\n"))
    assert main(["--data-dir", str(served.data_dir), "users", "add", name, "--role", "admin"]) == 2
    assert "may only have lower-case letters, digits and . _ @ + -" in capsys.readouterr().err
    assert users.account(served, name) is None


def test_an_email_is_a_username(served):
    assert users.save_user(served, access.CLI, "dana.lee+ops@example.com", "admin", password="Corr3ct-horse-battery") == []


def test_zip_entries_and_frozen_files_are_plain_names(served):
    before = snapshot(served)
    con = statements.prepare(served, new_duck())
    data, problems = statement_files.zip_period(served, con, access.CLI, "2026-10")
    assert problems == []
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert names and all(re.fullmatch(r"statement-2026-10-[A-Za-z0-9_-]+\.(pdf|csv)", n) for n in names)
    assert statement_files.file_name("../../x", "2026-10", "pdf") == "statement-2026-10-______x.pdf"
    assert snapshot(served) == before
