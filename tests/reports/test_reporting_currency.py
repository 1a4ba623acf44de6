"""A reporting currency: billed totals per currency, converted once at the month's loaded rate, marked."""

from decimal import Decimal as D

from streamlit.testing.v1 import AppTest

from lib.allocation import cache
from lib.core import access
from lib.reports.reporting_currency import in_reporting_currency, reporting_currencies
from lib.sources import rates
from lib.store.lake import engine, new_duck
from lib.web.context import Filters
from tests.bill import charge
from tests.conftest import load_bill
from tests.paths import ROOT


def _bill(store, tmp_path):
    load_bill(store, tmp_path, [charge("web", "Amazon EC2", "100.005"), charge("search", "Amazon S3", "0.004"),
                                charge("web", "Virtual Machines", "50.00", BillingCurrency="EUR",
                                       BillingAccountId="ea-1", ProviderName="Microsoft")])


def test_each_currency_is_converted_once_and_only_converted_amounts_are_added(configured, tmp_path):
    _bill(configured, tmp_path)
    assert reporting_currencies(configured) == []
    assert rates.load_rates(configured, "month,from,to,rate\n2026-10,EUR,USD,1.1\n", access.CLI)[1] == []
    con = engine(configured, new_duck())
    cache.allocated_view(configured, con)
    r = in_reporting_currency(configured, con, access.CLI, "2026-10", "effective", "USD")
    assert [(x.currency, x.amount, x.rate, x.converted) for x in r.lines] == [
        ("EUR", D("50.00"), D("1.1"), D("55.00")), ("USD", D("100.01"), D("1"), D("100.01"))]
    assert r.total == D("155.01") and r.missing == ()
    gbp = in_reporting_currency(configured, con, access.CLI, "2026-10", "effective", "GBP")
    assert gbp.total == 0 and len(gbp.missing) == 2  # no rate: nothing converted, both named


def test_the_overview_shows_the_converted_total_marked_as_converted(configured, tmp_path, monkeypatch):
    _bill(configured, tmp_path)
    rates.load_rates(configured, "month,from,to,rate\n2026-10,EUR,USD,1.1\n", access.CLI)
    monkeypatch.setenv("COSTBOOK_DATA_DIR", str(configured.data_dir))
    page = str(ROOT / "pages" / "overview.py")
    at = AppTest.from_string(f"""
import streamlit as st
from lib.core import access
from lib.web.context import Filters
st.session_state["user"] = access.User("fin", "finance", name="Fin")
st.session_state["filters"] = Filters("2026-10", ("2026-10",), (), "effective", "USD", "USD")
exec(compile(open({page!r}).read(), {page!r}, "exec"))
""", default_timeout=60).run()
    assert not at.exception
    assert [i.value for i in at.info] == ["All billing currencies in USD: **$155.01** (converted: €50.00 × 1.1000, "
                                          "$100.01)"]
    assert Filters("2026-10", (), (), "effective", "USD").reporting is None
