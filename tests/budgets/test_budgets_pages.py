"""The Budgets and Alerts pages under Streamlit's AppTest, per role, on a real store with an imported bill."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from lib.budgets import budget
from lib.core import access
from lib.notify import channels
from lib.web.context import Filters
from tests.bill import charge
from tests.conftest import load_bill

FINANCE = access.User("fiona", "finance")
DANA = access.User("dana", "department_head", frozenset({"engineering"}))
DORA = access.User("dora", "department_head", frozenset({"data"}))
VIC = access.User("vic", "viewer", frozenset({"engineering"}))
BUDGETS = ("scope,team,month,amount,currency\nteam,web,2026-10,2400,USD\nteam,search,2026-10,5000,USD\n"
           "department,engineering,2026-10,6000,USD\n")


@pytest.fixture
def data_dir(configured, tmp_path, monkeypatch):
    rows = [charge(team, "Amazon EC2", cost, day=f"2026-10-{d:02d}")
            for d in range(1, 21) for team, cost in (("web", 100), ("search", 50))]
    load_bill(configured, tmp_path, rows)
    budget.load_budgets_csv(configured, BUDGETS, FINANCE)
    monkeypatch.setenv("COSTBOOK_DATA_DIR", str(configured.data_dir))
    return configured


def page(name: str, user) -> AppTest:
    at = AppTest.from_file(f"../../pages/{name}.py", default_timeout=60)
    at.session_state["user"] = user
    at.session_state["filters"] = Filters("2026-10", ("2026-10",), (), "effective", "USD")
    return at.run()


@pytest.mark.parametrize("user, budgets_seen, editor, comment_form", [
    (FINANCE, ["search · 2026-10 · USD", "web · 2026-10 · USD", "engineering (department) · 2026-10 · USD"], True, True),
    (DANA, ["search · 2026-10 · USD", "web · 2026-10 · USD", "engineering (department) · 2026-10 · USD"], False, True),
    (VIC, ["search · 2026-10 · USD", "web · 2026-10 · USD", "engineering (department) · 2026-10 · USD"], False, False),
    (DORA, [], False, False),
])
def test_budgets_page_per_role(data_dir, user, budgets_seen, editor, comment_form):
    at = page("budgets", user)
    assert not at.exception
    if budgets_seen:
        table = at.dataframe[0].value
        assert list(table.budget) == budgets_seen
        assert list(table.actual) == ["$1,000.00", "$2,000.00", "$3,000.00"]
        assert at.metric[0].value == "$1,000.00"  # the first budget (search) is charted
        assert len(at.get("plotly_chart")) == 1
    else:
        assert "No budget covers 2026-10" in at.info[0].value
    assert (len(at.expander) == 1) is editor
    assert any(t.label == "Explain the variance" for t in at.text_area) is comment_form


def test_burn_chart_of_a_chosen_budget(data_dir):
    at = page("budgets", FINANCE)
    at.selectbox[0].set_value(1).run()
    assert not at.exception
    assert at.metric[0].value == "$2,000.00"
    assert at.metric[3].value == "2026-10-25"  # 2,000 by the 20th at 100 a day passes 2,400 on the 25th
    names = [trace["name"] for trace in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]]
    assert names == ["Likely range", "Budget", "Actual", "Forecast"]


def test_department_head_comments_on_a_variance(data_dir):
    at = page("budgets", DANA)
    at.selectbox[0].set_value(1).run()
    at.text_area[0].set_value("Load test in week 3, one-off.")
    at.button[0].click().run()
    assert not at.exception
    web = next(b for b in budget.list_budgets(data_dir, FINANCE) if b.owner == "web")
    assert [(a, t) for _, a, t in budget.comments(data_dir, access.CLI, web)] == [("dana", "Load test in week 3, one-off.")]
    again = page("budgets", DANA).selectbox[0].set_value(1).run()
    assert any("Load test in week 3" in m.value for m in again.markdown)


def test_finance_saves_the_editor(data_dir):
    at = page("budgets", FINANCE)
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception
    assert "Saved 3 budget(s)." in [s.value for s in at.success]


@pytest.mark.parametrize("user, rows", [(FINANCE, 2), (DANA, 1), (DORA, 1), (access.User("max", "viewer", frozenset({"sales"})), 0)])
def test_alerts_page_per_role(data_dir, user, rows):
    channels.deliver_once(data_dir, "budget:team:web:2026-10:USD:effective:actual:80", "email", "dana@example.com",
                        lambda: None, "budget-alert", "[Costbook] web: 83.3% spent", "body", "engineering")
    channels.deliver_once(data_dir, "budget:team:etl:2026-10:USD:effective:actual:80", "email", "dora@example.com",
                        lambda: 1 / 0, "budget-alert", "[Costbook] etl: 90% spent", "body", "data")
    at = page("alerts", user)
    assert not at.exception
    if rows:
        assert len(at.dataframe[0].value) == rows
    else:
        assert at.info[0].value == "No alerts sent yet."
    if user is FINANCE:
        assert [m.value for m in at.metric[:2]] == ["1", "1"]
        failed = at.dataframe[0].value.set_index("recipient").loc["dora@example.com"]
        assert (failed.status, failed.last_error) == ("failed", "ZeroDivisionError: division by zero")
