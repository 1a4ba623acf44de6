"""A team's resources and line items, from the month allocated per resource, on the demo company."""

from decimal import Decimal

from lib.allocation import cache, resources
from lib.core import access
from lib.reports import drilldown, spend
from lib.store.lake import engine
from lib.store.state import open_store

FINANCE = access.User("fiona", "finance")


def test_a_teams_resources_add_up_to_its_total_and_shared_costs_stay_per_rule(demo_dir):
    store = open_store(demo_dir)
    con = engine(store)
    cache.refresh_view(store, con)
    period = spend.periods(con)[-1]
    source = resources.resources_file(store, con, period)
    cents = resources.resource_cents_file(store, con, period, "effective")
    for team, exact, total in con.execute(
            "select team, sum(effective_exact), sum(effective) from cells where x_BillingPeriod = ? "
            "and BillingCurrency = 'USD' group by 1", [period]).fetchall():
        listed = con.execute(f"select sum(effective) from {source} where team = ? and BillingCurrency = 'USD'",
                             [team]).fetchone()[0]
        assert listed == exact, team  # to the last of the twelve decimals
        lines = con.execute(f"select ServiceName, sum(effective) from {cents} where team = ? and BillingCurrency = "
                            f"'USD' group by 1 order by 1", [team]).fetchall()
        assert sum(a for _, a in lines) == total, team  # the resources' cents add up to the team's total
        assert lines == con.execute("select ServiceName, sum(effective) from cells where team = ? and "
                                    "x_BillingPeriod = ? and BillingCurrency = 'USD' group by 1 order by 1",
                                    [team, period]).fetchall()  # and to each of its lines
    top = drilldown.top_resources(store, con, FINANCE, period, "web", "effective", "USD", n=500)
    shared = top[top.resource.str.startswith("(shared: ")]
    assert len(shared) >= 2 and "(several)" in set(shared.service)
    assert all(a == a.quantize(Decimal("0.01")) for a in top.amount)
    assert not top.resource.duplicated().any()
    lines = drilldown.line_items(store, con, FINANCE, period, "web", "effective", "USD", service="Amazon Elastic Compute Cloud")
    assert set(lines.service) == {"Amazon Elastic Compute Cloud"} and len(lines) > 0
