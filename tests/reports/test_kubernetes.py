"""The demo's shared cluster on the Teams page: namespaces, usage, cost and efficiency, scoped like all spend."""

from decimal import Decimal

from lib.allocation import cache
from lib.core import access
from lib.core.money import round_lines
from lib.reports import explain, spend, usage
from lib.store.lake import engine, new_duck
from lib.store.state import open_store
from tests.web.test_app import logged_in

HEAD_OF_DATA = access.User("dmitri", "department_head", frozenset({"data"}))


def demo(demo_dir):
    store = open_store(demo_dir)
    con = engine(store, new_duck())
    cache.allocated_view(store, con)
    return store, con, spend.periods(con)[-2]


def test_a_teams_namespaces_carry_its_billed_share_of_the_cluster(demo_dir):
    store, con, month = demo(demo_dir)
    frame = usage.namespaces(store, con, access.CLI, month, "web", "effective", "USD")
    assert list(frame.namespace) == ["storefront", "web-assets"]
    assert set(frame.cluster) == {"shared-prod"}
    rows = con.execute("select sum(effective) from allocated where team = 'web' and rule = 'Shared Kubernetes cluster' "
                       "and x_BillingPeriod = ?", [month]).fetchone()
    assert sum(frame.cost) == round_lines([rows[0]])[0]  # the namespaces add up to the team's share
    assert all(frame["CPU core-hours"] > 0) and all(e.endswith("%") for e in frame["CPU efficiency"])
    assert all(0 < Decimal(e[:-1]) < 100 for e in frame["memory efficiency"])


def test_a_namespace_label_brings_a_namespace_org_yaml_does_not_list(demo_dir):
    store, con, month = demo(demo_dir)
    frame = usage.namespaces(store, con, access.CLI, month, "search", "effective", "USD")
    assert list(frame.namespace) == ["recommendations", "search"]
    [note] = [r[-1] for r in explain.with_usage(store, con, access.CLI, month, "search",
                                                explain.by_rule(con, access.CLI, month, "search")) if r[-1]]
    assert note.startswith("recommendations, search: ") and note.endswith(f"of cluster shared-prod cost weight on {month}")


def test_another_departments_namespaces_are_not_shown(demo_dir):
    store, con, month = demo(demo_dir)
    assert usage.namespaces(store, con, HEAD_OF_DATA, month, "web", "effective", "USD").empty
    assert usage.team_shares(store, con, HEAD_OF_DATA, month, "web") == []


def test_the_teams_page_has_a_kubernetes_tab(monkeypatch, demo_dir):
    at = logged_in(monkeypatch, demo_dir, "finance")
    at.switch_page("pages/teams.py").run()
    next(s for s in at.selectbox if s.label == "Team").select_index(1).run()  # Web
    assert not at.exception
    assert "Kubernetes" in [t.label for t in at.tabs]
    frames = [d.value for d in at.dataframe if "namespace" in d.value.columns]
    assert frames and list(frames[0].namespace) == ["storefront", "web-assets"]
    rules = next(d.value for d in at.dataframe if "usage" in d.value.columns)
    assert rules[rules.rule == "Shared Kubernetes cluster"].usage.iloc[0].startswith("storefront, web-assets: ")
