"""Pages show money as strings that add up: the Teams tabs and the Budgets grid, under AppTest.

The bill has sub-cent amounts spread over services, accounts and regions, so a tab that summed
unrounded amounts (12 decimals), or rounded each row on its own, would not add up to the metric.
"""

from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest

from lib.budgets import budget
from lib.core import access
from lib.web.context import Filters
from tests.bill import charge
from tests.conftest import load_bill

FINANCE = access.User("fiona", "finance")
SERVICES = ("Amazon EC2", "Amazon S3", "Amazon RDS")
BUDGETS = ("scope,team,month,amount,currency\nteam,web,2026-10,500,USD\nteam,search,2026-10,500,USD\n"
           "department,engineering,2026-10,900,USD\n")


def money(text: str) -> Decimal:
    assert text.startswith(("$", "-$")), text
    return Decimal(text.replace("$", "").replace(",", ""))


@pytest.fixture
def data_dir(configured, tmp_path, monkeypatch):
    rows = [charge(team, service, cost, day=f"2026-10-{day:02d}", SubAccountId=f"acct-{day % 2}",
                   RegionId=("us-east-1", "eu-west-1")[day % 3 == 0])
            for day in range(1, 8) for service in SERVICES for team, cost in (("web", "3.3333"), ("search", "1.0049"))]
    rows.append(charge(None, "Amazon VPC", "10.001", category="Networking"))  # split 60/40 between web and search
    load_bill(configured, tmp_path, rows)
    budget.load_budgets_csv(configured, BUDGETS, FINANCE)
    monkeypatch.setenv("COSTBOOK_DATA_DIR", str(configured.data_dir))
    return configured


def page(name: str) -> AppTest:
    at = AppTest.from_file(f"../../pages/{name}.py", default_timeout=60)
    at.session_state["user"] = FINANCE
    at.session_state["filters"] = Filters("2026-10", ("2026-10",), (), "effective", "USD")
    return at.run()


def test_teams_tabs_add_up_to_the_metric(data_dir):
    at = page("teams")
    names = at.selectbox(key="t_team").options  # "All teams", then the department's teams by name
    teams = {}
    for name in ("Web", "Search"):
        at.selectbox(key="t_team").select_index(names.index(name)).run()
        assert not at.exception
        total = money(at.metric[0].value)
        services, accounts, regions, rules = (at.dataframe[i].value for i in range(4))
        for frame in (services, accounts, regions, rules):
            assert sum(money(a) for a in frame.amount) == total, (name, frame)
        assert len(services) == len(SERVICES) + 1 and len(accounts) == 2 and len(regions) == 2
        teams[name] = total
    at.selectbox(key="t_team").select_index(0).run()  # the department: its teams add up to its metric
    department = money(at.metric[0].value)
    shown = at.dataframe[0].value
    assert [money(a) for a in shown.amount] == [teams["Web"], teams["Search"]]
    assert department == teams["Web"] + teams["Search"]
    assert department == Decimal("101.10")  # the invoice: 7 x 3 x (3.3333 + 1.0049) + 10.001 = 101.1032


def test_budgets_grid_adds_up_and_matches_the_teams_page(data_dir):
    at = page("budgets")
    assert not at.exception
    grid = at.dataframe[0].value.set_index("budget")
    actual = {b.split(" · ")[0]: money(v) for b, v in grid.actual.items()}
    assert actual["engineering (department)"] == actual["web"] + actual["search"] == Decimal("101.10")
    assert all(isinstance(v, str) for col in ("amount", "actual", "forecast", "burn_per_day") for v in grid[col])
    teams = page("teams")
    teams.selectbox(key="t_team").select_index(teams.selectbox(key="t_team").options.index("Web")).run()
    assert money(teams.metric[0].value) == actual["web"]
