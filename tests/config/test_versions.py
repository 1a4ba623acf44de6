"""Saved versions of the org and the rules: what a save checks, and what the app does with a version
that no longer parses."""

import subprocess
import sys

from streamlit.testing.v1 import AppTest

from lib.allocation import cache
from lib.config import versions
from lib.core import access
from lib.month_end import close, statements
from lib.store.lake import engine, new_duck
from lib.store.state import state
from tests.bill import charge
from tests.conftest import ORG, RULES, load_bill
from tests.paths import ROOT

ORG_WITHOUT_SEARCH = "\n".join(line for line in ORG.splitlines() if "id: search" not in line)
RULES_V2 = RULES.replace("split: {web: 60, search: 40}", "to: web").replace("among: [web, search]", "among: [web]")


def _two_periods(store, tmp_path):
    load_bill(store, tmp_path, [charge("web", "Amazon EC2", "10.00", day="2026-09-10"),
                                charge(None, "Amazon VPC", "5.00", day="2026-09-10", category="Networking"),
                                charge("web", "Amazon EC2", "20.00", day="2026-10-10")])


def test_an_org_change_is_checked_against_every_rules_version_still_in_effect(configured, tmp_path):
    # v1 (splits to search) allocates 2026-09; v2 (no search) is in effect from 2026-10.
    _two_periods(configured, tmp_path)
    assert versions.save_rules(configured, RULES_V2, access.CLI, "search merged into web", "2026-10")[1] == []
    version, errors = versions.save_org(configured, ORG_WITHOUT_SEARCH, access.CLI, "search team closed")
    assert version is None and errors
    assert all(e.startswith("rules in effect would break: rules version 1") for e in errors), errors
    assert {t.id for t in versions.current_org(configured).teams} == {"web", "search", "data-platform"}


def test_a_closed_period_does_not_hold_its_rules_version_in_effect(configured, tmp_path):
    load_bill(configured, tmp_path, [charge("web", "Amazon EC2", "10.00", day="2026-09-10")])
    assert versions.save_rules(configured, RULES_V2, access.CLI, "search merged into web", "2026-10")[1] == []
    con = statements.prepare(configured, new_duck())
    record, problems = close.close_month(configured, con, access.CLI, "2026-09")  # it keeps its pinned versions
    assert record is not None, problems
    assert [v.id for v in versions.in_effect(configured)] == [2]
    assert versions.save_org(configured, ORG_WITHOUT_SEARCH, access.CLI, "search team closed")[1] == []


def _break_stored_rules(store):
    """A store written before the check: the newest org lacks a team that the rules in effect name."""
    with state(store, write=True) as db:
        db.execute("insert into org_versions (created_at, author, comment, yaml) values ('2026-11-01', 'old', 'x', ?)",
                   (ORG_WITHOUT_SEARCH,))


def test_a_stored_version_that_no_longer_parses_is_a_problem_not_an_exception(configured, tmp_path):
    _two_periods(configured, tmp_path)
    _break_stored_rules(configured)
    con = engine(configured, new_duck())
    cache.allocated_view(configured, con)
    problems = cache.problems(con)
    assert problems and problems[0].startswith("2026-09 cannot be allocated: rules version 1")
    assert con.execute("select count(*) from allocated").fetchone()[0] == 0  # nothing half-shown


def test_pages_still_draw_and_say_what_is_wrong(configured, tmp_path, monkeypatch):
    _two_periods(configured, tmp_path)
    _break_stored_rules(configured)
    monkeypatch.setenv("COSTBOOK_DATA_DIR", str(configured.data_dir))
    at = AppTest.from_string(f"""
import streamlit as st
from lib.core import access
from lib.month_end import close, statements
st.session_state["user"] = access.User("fin", "finance", name="Fin")
st.session_state["filters"] = None
exec(compile(open({str(ROOT / "pages/rules.py")!r}).read(), {str(ROOT / "pages/rules.py")!r}, "exec"))
""", default_timeout=60).run()
    assert not at.exception
    assert any("2026-09 cannot be allocated" in e.value for e in at.error)


def _cli(store, *args):
    return subprocess.run([sys.executable, "-m", "lib", "--data-dir", str(store.data_dir), *args],
                          capture_output=True, text=True, cwd=ROOT)


def test_a_new_version_needs_a_comment_in_lib_and_the_cli(configured, tmp_path):
    assert versions.save_rules(configured, RULES, access.CLI, "  ")[1] == [
        "a new rules version needs a comment saying why it changes"]
    assert versions.save_org(configured, ORG, access.CLI, "")[1] == [
        "a new org version needs a comment saying why it changes"]
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    refused = _cli(configured, "rules", "load", str(path), "--comment", "")
    assert refused.returncode == 2 and "needs a comment" in refused.stderr
    assert len(versions.versions(configured)) == 1
    assert _cli(configured, "rules", "load", str(path)).returncode == 0
    assert versions.versions(configured)[0].comment == "loaded from rules.yaml"
