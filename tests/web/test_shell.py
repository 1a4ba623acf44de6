"""The shell is written once: app.py and the tests' app both only call lib.web.shell.run."""

import ast

import pytest

from lib.core import access
from lib.web import nav, shell
from tests.paths import ROOT


@pytest.mark.parametrize("script", ["app.py", "tests/access_app.py"])
def test_entry_scripts_only_call_the_shell(script):
    tree = ast.parse((ROOT / script).read_text())
    calls = [ast.unparse(n.value.func) for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
    logic = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom, ast.Expr))]
    assert "shell.run" in calls and not logic, (calls, logic)
    assert set(calls) <= {"shell.run", "st.set_page_config"}


@pytest.mark.parametrize("role", sorted(r for r in access.ROLES if r != "cli"))
def test_pages_that_show_spend_wait_for_data(role):
    user = access.User("u", role, frozenset({"engineering"}))
    allowed = [p for p in nav.PAGES if p.permission in access.ROLES[role]]
    with_data = [p.title for ps in shell.visible_pages(user, True).values() for p in ps]
    without = [p.title for ps in shell.visible_pages(user, False).values() for p in ps]
    assert sorted(with_data) == sorted(p.title for p in allowed)
    assert sorted(without) == sorted(p.title for p in allowed if not p.needs_data)
