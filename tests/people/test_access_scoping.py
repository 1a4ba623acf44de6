"""Scoped roles see only their departments in totals, statements and downloads, read from the files,
and their share of shared costs is the same number an unscoped user sees."""

import io
import zipfile

import pytest

from lib.core import access
from lib.month_end import statement_files, statements
from lib.reports import spend
from lib.store.lake import new_duck
from tests.access_helpers import user
from tests.bill import charge
from tests.conftest import load_bill

PERIOD = "2026-10"
TEAMS = {"engineering": {"web", "search"}, "data": {"data-platform"}}
NAMES = {"web": "Web", "search": "Search", "data-platform": "Data Platform"}


@pytest.fixture
def billed(configured, tmp_path):
    load_bill(configured, tmp_path, [
        charge("web", "Amazon EC2", "100.00"),
        charge(None, "Amazon EMR", "50.00", SubAccountId="111111111111"),
        charge(None, "Amazon VPC", "30.00", category="Networking"),
        charge(None, "AWS Support (Business)", "18.00", category="Management and Governance"),
        charge(None, "Amazon S3", "7.00"),  # no rule: Unallocated
    ])
    return configured, statements.prepare(configured, new_duck())


def own_teams(someone: access.User) -> set[str]:
    return set().union(*(TEAMS[d] for d in someone.scope))


@pytest.mark.parametrize("name", ["dana", "dora", "vic"])
def test_totals_show_only_own_departments_with_unchanged_shares(billed, name):
    store, con = billed
    someone = user(name)
    mine = {k: amount for k, _, amount in spend.totals(con, someone, PERIOD, "team")}
    everyone = {k: amount for k, _, amount in spend.totals(con, access.CLI, PERIOD, "team")}
    assert set(mine) == own_teams(someone) & set(everyone)
    assert all(mine[k] == everyone[k] for k in mine)  # scoping filters after allocating, never re-splits
    depts = {k for k, _, _ in spend.totals(con, someone, PERIOD, "department")}
    assert depts == set(someone.scope)


@pytest.mark.parametrize("name", ["dana", "dora"])
def test_statement_zip_contains_only_own_teams(billed, name):
    store, con = billed
    someone = user(name)
    data, problems = statement_files.zip_period(store, con, someone, PERIOD)
    assert problems == []
    files = zipfile.ZipFile(io.BytesIO(data))
    teams = {n.removeprefix(f"statement-{PERIOD}-").rsplit(".", 1)[0] for n in files.namelist()}
    assert teams == own_teams(someone)
    others = set(NAMES) - own_teams(someone)
    for n in files.namelist():
        if n.endswith(".csv"):
            text = files.read(n).decode()
            assert not any(f",{t}," in text or NAMES[t] in text for t in others), (n, text)


@pytest.mark.parametrize(("name", "other"), [("dana", "data-platform"), ("dora", "web")])
def test_another_departments_statement_is_refused_without_leaking(billed, name, other):
    store, con = billed
    data, problems = statement_files.build_file(store, con, user(name), other, PERIOD, "csv")
    assert data is None and problems == [f"unknown team {other!r}"]


def test_viewers_cannot_download(billed):
    store, con = billed
    with pytest.raises(access.PermissionDenied):
        statement_files.zip_period(store, con, user("vic"), PERIOD)
