"""Item 2: every lib reader that returns money or rows checks the permission and the scope itself.

The truth table is (reader x role): `all` (the same departments the command line sees), `scoped`
(exactly the command line's departments that are the user's own, never Unallocated) or `denied`
(PermissionDenied). A department head of engineering and a viewer of engineering try every reader
on the demo company; nothing a page hides is trusted.
"""

import io
import shutil
import zipfile

import pytest

from lib.alerts import check
from lib.allocation import impact
from lib.anomalies import detect
from lib.budgets import budget, status
from lib.config.org import UNALLOCATED
from lib.config.versions import current_org
from lib.core import access
from lib.month_end import journal, reconcile, statement_files, statements
from lib.notify import channels
from lib.reports import drilldown, explain, overview, reporting_currency, spend
from lib.sources import runs
from lib.store import audit
from lib.store.lake import new_duck
from lib.store.state import open_store

ROLES = {
    "admin": access.User("admin", "admin"),
    "finance": access.User("finance", "finance"),
    "head": access.User("head-engineering", "department_head", frozenset({"engineering"})),
    "viewer": access.User("viewer", "viewer", frozenset({"engineering"})),
}
OWN = {"engineering"}
PROBE_TEAMS = ("web", "data-platform")  # one team inside the scope, one outside


@pytest.fixture(scope="module")
def demo(demo_dir, tmp_path_factory):
    data = tmp_path_factory.mktemp("scoping") / "data"
    shutil.copytree(demo_dir, data)
    store = open_store(data)
    con = statements.prepare(store, new_duck())
    for dept in ("engineering", "data"):
        channels.deliver_once(store, f"k-{dept}", "email", f"{dept}@example.com", lambda: None,
                              kind="budget-alert", subject=f"{dept} over budget", department=dept)
    period = spend.periods(con)[-2]
    org = current_org(store)
    return store, con, period, org, {t.id: t.department for t in org.teams}


def _teams(dept_of, teams) -> set:
    return {None if t == UNALLOCATED else dept_of[t] for t in teams}


def _probe(fn, dept_of) -> set:
    """Departments of the probe teams for which `fn(team)` returned something."""
    return {dept_of[t] for t in PROBE_TEAMS if len(fn(t))}


def _currency(con, period):
    return spend.currencies(con, access.CLI, [period])[0]


def _reporting(store, con, u, period, dept_of) -> set:
    """Which departments' spend the converted total contains (it is the sum of the departments seen)."""
    total = reporting_currency.in_reporting_currency(store, con, u, period, "effective", "USD").total
    mine = reporting_currency.in_reporting_currency(store, con, ROLES["head"], period, "effective", "USD").total
    return {"engineering"} if total == mine else {"engineering", "data"}


READERS = {  # name -> (kind, fn(store, con, user, period, dept_of) -> departments seen)
    "spend.totals": ("view", lambda s, c, u, p, d: _teams(d, [k for k, _, _ in spend.totals(c, u, p, "team")])),
    "spend.breakdown": ("view", lambda s, c, u, p, d: _teams(d, [k for k, _ in spend.breakdown(
        c, u, [p], "effective", _currency(c, p), "team")])),
    "spend.monthly": ("view", lambda s, c, u, p, d: _teams(d, {k for _, k, _ in spend.monthly(
        c, u, "effective", _currency(c, p), "team")})),
    "spend.daily": ("view", lambda s, c, u, p, d: _teams(d, {k for _, k, _ in spend.daily(
        c, u, [p], "effective", _currency(c, p), "team")})),
    "spend.unallocated_by_reason": ("view", lambda s, c, u, p, d: {None} if spend.unallocated_by_reason(
        c, u, p, "effective", _currency(c, p)) else set()),
    "overview": ("view", lambda s, c, u, p, d: {None if x == "(none)" else x for x in overview.overview(
        c, u, p, "effective", _currency(c, p)).by_department["department"]}),
    "reporting_currency": ("view", lambda s, c, u, p, d: _reporting(s, c, u, p, d)),
    "explain.by_rule": ("view", lambda s, c, u, p, d: _probe(lambda t: explain.by_rule(c, u, p, t), d)),
    "drilldown.top_resources": ("view", lambda s, c, u, p, d: _probe(
        lambda t: drilldown.top_resources(s, c, u, p, t, "effective", _currency(c, p)), d)),
    "drilldown.line_items": ("view", lambda s, c, u, p, d: _probe(
        lambda t: drilldown.line_items(s, c, u, p, t, "effective", _currency(c, p)), d)),
    "budgets.list": ("view", lambda s, c, u, p, d: {budget.department_of(current_org(s), b)
                                                   for b in budget.list_budgets(s, u)}),
    "budgets.status": ("view", lambda s, c, u, p, d: {x.department for x in status.budget_status(s, c, u)}),
    "anomalies.find": ("view", lambda s, c, u, p, d: {a.department for a in detect.find(s, c, u)}),
    "alerts.log": ("view", lambda s, c, u, p, d: set(check.alert_log(s, u)["department"])),
    "statements.build_all": ("export", lambda s, c, u, p, d: {st.department for st in statements.build_all(
        s, c, u, p)[0]}),
    "statements.summary": ("export", lambda s, c, u, p, d: {r["department"] for r in statements.summary(s, c, u, p)}),
    "statement_files.export": ("export", lambda s, c, u, p, d: _probe(
        lambda t: statement_files.export(s, c, u, t, p, "csv")[0] or b"", d)),
    "statement_files.zip_period": ("export", lambda s, c, u, p, d: _teams(d, {
        n.removeprefix(f"statement-{p}-").rsplit(".", 1)[0] for n in zipfile.ZipFile(
            io.BytesIO(statement_files.zip_period(s, c, u, p, formats=("csv",))[0])).namelist()})),
    "journal": ("export", lambda s, c, u, p, d: {None if x.team == UNALLOCATED else d[x.team]
                                                for x in journal.journal(s, c, u, p)[0] if x.team}),
    "reconcile": ("close_month", lambda s, c, u, p, d: {"whole org"} if reconcile.reconcile(s, c, u, p).rows
                  else set()),
    "impact": ("edit_config", lambda s, c, u, p, d: {"whole org"} if impact.impact(
        s, c, u, p, s.data_dir.joinpath("demo", "rules.yaml").read_text()).rows else set()),
    "audit.entries": ("read_audit", lambda s, c, u, p, d: {"whole org"} if audit.entries(s, u, limit=5) else set()),
    "runs.history": ("manage_sources", lambda s, c, u, p, d: {"whole org"} if runs.history(s, u, 5) else set()),
}

# What each role may do, by the kind of reader: the role table (lib.core.access.ROLES) written out.
TRUTH = {
    "view": {"admin": "all", "finance": "all", "head": "scoped", "viewer": "scoped"},
    "export": {"admin": "all", "finance": "all", "head": "scoped", "viewer": "denied"},
    "close_month": {"admin": "denied", "finance": "all", "head": "denied", "viewer": "denied"},
    "edit_config": {"admin": "denied", "finance": "all", "head": "denied", "viewer": "denied"},
    "read_audit": {"admin": "all", "finance": "denied", "head": "denied", "viewer": "denied"},
    "manage_sources": {"admin": "all", "finance": "denied", "head": "denied", "viewer": "denied"},
}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("reader", list(READERS))
def test_reader_x_role(demo, reader, role):
    store, con, period, _, dept_of = demo
    kind, fn = READERS[reader]
    expected = TRUTH[kind][role]
    assert access.can(ROLES[role], kind if kind != "view" else "view_spend") == (expected != "denied")
    if expected == "denied":
        with pytest.raises(access.PermissionDenied):
            fn(store, con, ROLES[role], period, dept_of)
        return
    everything = fn(store, con, access.CLI, period, dept_of)
    seen = fn(store, con, ROLES[role], period, dept_of)
    if expected == "all":
        assert seen == everything
    else:
        assert everything - OWN, f"{reader}: the demo must give this reader data outside engineering"
        assert seen == everything & OWN


def test_a_department_heads_journal_balances_on_their_teams_only(demo):
    store, con, period, org, dept_of = demo
    lines, problems = journal.journal(store, con, ROLES["head"], period)
    assert problems == [] and lines
    for cur in {x.currency for x in lines}:
        mine = [x for x in lines if x.currency == cur]
        assert sum(x.debit for x in mine) == sum(x.credit for x in mine)
    assert {dept_of[x.team] for x in lines if x.team} == {"engineering"}
