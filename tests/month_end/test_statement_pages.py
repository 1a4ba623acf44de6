"""The Statements and Close & reconcile pages under Streamlit's AppTest, on a real store."""

import pytest
from streamlit.testing.v1 import AppTest

from lib.core import access
from lib.month_end import closes
from lib.web import nav
from lib.web.context import Filters
from tests import statement_helpers as h

FINANCE = access.User("fiona", "finance")
DORA = access.User("dora", "department_head", frozenset({"data"}))


@pytest.fixture
def data_dir(store, con, tmp_path, monkeypatch):
    h.setup_company(store, con, tmp_path)
    monkeypatch.setenv("COSTBOOK_DATA_DIR", str(store.data_dir))
    monkeypatch.delenv("COSTBOOK_SMTP_HOST", raising=False)
    return store


def page(name: str, user, month: str = "2026-10") -> AppTest:
    at = AppTest.from_file(f"../../pages/{name}.py", default_timeout=60)
    at.session_state["user"] = user
    at.session_state["filters"] = Filters(month, ("2026-09", "2026-10"), (), "effective", "USD")
    return at.run()


def test_statements_page_lists_teams_with_totals(data_dir):
    at = page("statements", FINANCE)
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.columns) == ["Team", "Department", "Currency", "Charges this period", "Amount charged"]
    assert list(zip(table.Team, table.Currency, table["Amount charged"])) == [
        ("Platform", "EUR", "€80.00"), ("Search", "USD", "$72.00"), ("Web", "USD", "$138.01")]
    assert "open: statements are drafts" in at.caption[0].value
    assert [m.value for m in at.markdown] == ["**Platform** · `platform`", "**Search** · `search`", "**Web** · `web`"]


def test_department_head_sees_only_their_teams(data_dir):
    at = page("statements", DORA)
    assert not at.exception
    assert list(at.dataframe[0].value.Team) == ["Platform"]


def test_statements_page_without_data(data_dir):
    at = page("statements", FINANCE, "2027-01")
    assert not at.exception and "No team you can see has charges in 2027-01." in at.info[0].value


def test_close_page_closes_and_reopens(data_dir):
    at = page("close", FINANCE)
    assert not at.exception
    assert any("Reconciles" in s.value for s in at.success)
    assert [b.label for b in at.button] == ["Close month"]
    at.button[0].click().run()
    assert not at.exception
    assert closes.current_close(data_dir, "2026-10").issue == 1
    assert "closed by fiona" in at.caption[0].value
    assert at.success[-1].value.startswith("2026-10 closed (issue 1)")
    at.text_input(key="reopen_reason").set_value("late credit").run()
    at.button[0].click().run()
    assert not at.exception and closes.current_close(data_dir, "2026-10") is None
    history = at.dataframe[-1].value
    assert list(history.reopen_reason) == ["late credit"]


def test_close_page_is_for_finance_only(data_dir):
    assert "pages/close.py" not in [p.path for p in nav.pages_for(access.permissions(DORA))]
    assert "pages/statements.py" in [p.path for p in nav.pages_for(access.permissions(DORA))]
    at = page("close", DORA)  # even if reached, the page stops (and reconcile/close_month would refuse)
    assert [e.value for e in at.error] == ["You do not have access to this page."] and not at.dataframe


def test_finance_downloads_the_month_as_focus(data_dir):
    at = page("statements", FINANCE)
    assert not at.exception
    assert "FOCUS export" in [h.value for h in at.subheader]
    assert [s.label for s in at.selectbox] == ["FOCUS version", "Format"] and at.toggle[0].label == "Allocated"
    buttons = [b for b in at.get("download_button") if b.proto.label == "Download FOCUS"]
    assert len(buttons) == 1


def test_a_department_head_gets_no_focus_download(data_dir):
    at = page("statements", DORA)
    assert not at.exception
    assert "FOCUS export" not in [h.value for h in at.subheader]
    assert not [b for b in at.get("download_button") if b.proto.label == "Download FOCUS"]
