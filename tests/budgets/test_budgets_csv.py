"""Budget CSV: load, dump, the rows it rejects (and that a rejected file changes nothing), comments."""

import json
from decimal import Decimal

import pytest

from lib.budgets import budget
from lib.budgets.budget import Budget, load_budgets_csv, period_months
from lib.config import versions
from lib.core import access
from lib.store.state import state
from tests.conftest import ORG

FINANCE = access.User("fiona", "finance")
DANA = access.User("dana", "department_head", frozenset({"engineering"}))
DORA = access.User("dora", "department_head", frozenset({"data"}))
VIEWER = access.User("vic", "viewer", frozenset({"data"}))

GOOD = """team,month,amount,currency
web,2026-03,12000.00,USD
frontend,2026-04,12500,USD
search,2026-03,8000.50,USD
data-platform,2026-Q2,30000,EUR
"""


@pytest.fixture
def org_store(store):
    assert versions.save_org(store, ORG, access.CLI, "test org")[1] == []
    return store


def test_load_and_dump_round_trip(org_store, tmp_path):
    count, problems = load_budgets_csv(org_store, GOOD, FINANCE)
    assert (count, problems) == (4, [])
    loaded = budget.list_budgets(org_store, FINANCE)
    assert [(b.owner, b.period, b.amount, b.currency) for b in loaded] == [
        ("search", "2026-03", Decimal("8000.50"), "USD"),
        ("web", "2026-03", Decimal("12000.00"), "USD"),
        ("web", "2026-04", Decimal("12500"), "USD"),  # the alias 'frontend' names team web
        ("data-platform", "2026-Q2", Decimal("30000"), "EUR"),
    ]
    path = tmp_path / "dump.csv"
    path.write_text(budget.budgets_csv(loaded))
    assert load_budgets_csv(org_store, str(path), FINANCE) == (4, [])
    assert budget.list_budgets(org_store, FINANCE) == loaded


def test_load_is_audited_with_before_and_after(org_store):
    load_budgets_csv(org_store, GOOD, FINANCE)
    load_budgets_csv(org_store, "team,month,amount,currency\nweb,2026-03,15000,USD\n", FINANCE)
    with state(org_store) as db:
        rows = db.execute("select actor, action, details from audit_log where action = 'budget.load' order by id").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("fiona", "budget.load")] * 2
    last = json.loads(rows[-1][2])
    assert last["before"]["USD"] == {"budgets": 3, "total": "32500.50"}
    assert last["after"]["USD"] == {"budgets": 3, "total": "35500.50"}  # web March replaced, not added


@pytest.mark.parametrize("row, column, reason", [
    ("webb,2026-03,100,USD", "team", "unknown team 'webb'"),
    ("web,2026-13,100,USD", "month", "not a month (YYYY-MM), quarter (YYYY-Qn) or year (FYYYYY): '2026-13'"),
    ("web,March,100,USD", "month", "not a month (YYYY-MM), quarter (YYYY-Qn) or year (FYYYYY): 'March'"),
    ("web,2026-Q5,100,USD", "month", "not a month (YYYY-MM), quarter (YYYY-Qn) or year (FYYYYY): '2026-Q5'"),
    ("web,2026-03,-5,USD", "amount", "must not be negative: -5"),
    ("web,2026-03,ten,USD", "amount", "not a number: 'ten'"),
    ("web,2026-03,,USD", "amount", "not a number: ''"),
    ("web,2026-03,NaN,USD", "amount", "not a number: 'NaN'"),
    ("web,2026-03,100,XYZ", "currency", "unknown currency 'XYZ' (expected an ISO 4217 code)"),
    ("web,2026-03,100,", "currency", "unknown currency '' (expected an ISO 4217 code)"),
])
def test_a_bad_row_rejects_the_whole_file(org_store, row, column, reason):
    text = f"team,month,amount,currency\nsearch,2026-03,10,USD\n{row}\n"
    count, problems = load_budgets_csv(org_store, text, FINANCE)
    assert count == 0
    assert [(p.row, p.column, p.reason) for p in problems] == [(3, column, reason)]
    assert budget.list_budgets(org_store, FINANCE) == []  # the good row before it was not saved either


def test_several_problems_are_all_reported(org_store):
    text = "team,month,amount,currency\nnope,2026-03,1,USD\nweb,2026-03,-1,EURO\nweb,2026-03,2,USD\nweb,2026-03,3,USD\n"
    _, problems = load_budgets_csv(org_store, text, FINANCE)
    assert [str(p) for p in problems] == [
        "budgets.csv, row 2, column team: unknown team 'nope'",
        "budgets.csv, row 3, column amount: must not be negative: -1",
        "budgets.csv, row 3, column currency: unknown currency 'EURO' (expected an ISO 4217 code)",
        "budgets.csv, row 5, column team: budget team:web:2026-03 is also on row 4",
    ]


def test_missing_columns_and_missing_file(org_store, tmp_path):
    _, problems = load_budgets_csv(org_store, "team,amount\nweb,1\n", FINANCE)
    assert [(p.row, p.column) for p in problems] == [(1, "currency"), (1, "month")]
    _, problems = load_budgets_csv(org_store, str(tmp_path / "nope.csv"), FINANCE)
    assert [str(p) for p in problems] == ["nope.csv: file not found"]


def test_department_budgets_and_thresholds(org_store):
    text = ("scope,team,period,amount,currency,thresholds\n"
            "department,engineering,FY2026,240000,USD,75|90\n"
            "department,marketing,2026-03,1,USD,\n"
            "team,web,2026-03,1,USD,50|abc\n")
    _, problems = load_budgets_csv(org_store, text, FINANCE)
    assert [(p.row, p.column, p.reason) for p in problems] == [
        (3, "team", "unknown department 'marketing'"),
        (4, "thresholds", "expected whole percentages like 50|80|100"),
    ]
    assert load_budgets_csv(org_store, text.splitlines()[0] + "\n" + text.splitlines()[1] + "\n", FINANCE) == (1, [])
    (b,) = budget.list_budgets(org_store, FINANCE)
    assert (b.scope, b.owner, b.thresholds, b.forecast_thresholds) == ("department", "engineering", (75, 90), (100,))


@pytest.mark.parametrize("period, fy_start, months", [
    ("2026-03", 1, ("2026-03",)),
    ("2026-Q1", 1, ("2026-01", "2026-02", "2026-03")),
    ("2026-Q4", 1, ("2026-10", "2026-11", "2026-12")),
    ("2026-Q1", 4, ("2025-04", "2025-05", "2025-06")),  # FY2026 runs April 2025 to March 2026
    ("2026-Q4", 4, ("2026-01", "2026-02", "2026-03")),
    ("2026-Q2", 10, ("2026-01", "2026-02", "2026-03")),
    ("FY2026", 1, tuple(f"2026-{m:02d}" for m in range(1, 13))),
    ("FY2026", 7, tuple([f"2025-{m:02d}" for m in range(7, 13)] + [f"2026-{m:02d}" for m in range(1, 7)])),
    ("2026-00", 1, ()), ("FY26", 1, ()), ("2026-Q0", 1, ()),
])
def test_period_months(period, fy_start, months):
    assert period_months(period, fy_start) == months


@pytest.mark.parametrize("user, allowed", [(FINANCE, True), (access.CLI, True), (DANA, False), (VIEWER, False)])
def test_only_finance_loads_budgets(org_store, user, allowed):
    if allowed:
        assert load_budgets_csv(org_store, GOOD, user) == (4, [])
    else:
        with pytest.raises(access.PermissionDenied):
            load_budgets_csv(org_store, GOOD, user)


@pytest.mark.parametrize("user, owners", [
    (FINANCE, ["search", "web", "web", "data-platform"]),
    (DANA, ["search", "web", "web"]),
    (VIEWER, ["data-platform"]),
    (access.User("nobody", "viewer", frozenset()), []),
])
def test_scoped_users_see_their_departments_budgets(org_store, user, owners):
    load_budgets_csv(org_store, GOOD, FINANCE)
    assert [b.owner for b in budget.list_budgets(org_store, user)] == owners


def test_variance_comments_are_kept_with_the_budget(org_store):
    load_budgets_csv(org_store, GOOD, FINANCE)
    web = Budget("team", "web", "2026-03", Decimal(12000), "USD")
    budget.add_comment(org_store, DANA, web, "Load test in week 3, one-off.")
    with pytest.raises(access.PermissionDenied):
        budget.add_comment(org_store, DORA, web, "not my team")
    with pytest.raises(access.PermissionDenied):
        budget.add_comment(org_store, VIEWER, web, "viewers do not triage")
    assert [(a, t) for _, a, t in budget.comments(org_store, access.CLI, web)] == [("dana", "Load test in week 3, one-off.")]
    with state(org_store) as db:
        assert [tuple(r) for r in db.execute("select action, target from audit_log where action = 'budget.comment'")] == [
            ("budget.comment", "team:web:2026-03")]


def test_editor_save_replaces_the_whole_set(org_store):
    load_budgets_csv(org_store, GOOD, FINANCE)
    budget.save_budgets(org_store, [Budget("team", "web", "2026-05", Decimal("1.5"), "USD")], FINANCE)
    assert [(b.owner, b.period) for b in budget.list_budgets(org_store, FINANCE)] == [("web", "2026-05")]
    with pytest.raises(access.PermissionDenied):
        budget.save_budgets(org_store, [], DANA)
